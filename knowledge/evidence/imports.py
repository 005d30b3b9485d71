"""Bulk import of cases from CSV and XLSX: the documented columns, the downloadable template,
and parsing a file into numbered rows. Validation and writing are the services' (all or
nothing, every bad row reported with its row number and field)."""

from __future__ import annotations

import csv
import io
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from knowledge.evidence import xlsx
from recpnet.numbers import plain

IMPACT_CODES = (
    "energy_saved",
    "water_saved",
    "materials_saved",
    "waste_reduced",
    "wastewater_reduced",
    "ghg_reduced",
)

# (column, required, description, example) — the help page and the template use this table.
COLUMNS: list[tuple[str, bool, Any, str]] = [
    (
        "title",
        True,
        _("Public title; do not name the enterprise."),
        "Chemical leasing for lubrication",
    ),
    ("enterprise_name", False, _("Enterprise name (network-only)."), "Example Bottling Ltd"),
    ("country", True, _("ISO 3166-1 alpha-2 code of the enterprise's country."), "RS"),
    ("sector", True, _("ISIC Rev.4 section, optionally with the division."), "C11"),
    ("enterprise_size", True, _("micro, small, medium or large."), "large"),
    ("year", True, _("Year of the results."), "2010"),
    ("themes", False, _("Theme codes separated by semicolons."), "chemicals;water"),
    (
        "methodology",
        True,
        _("cp_assessment, test, chemical_leasing, eco_innovation, eip, energy_audit or other."),
        "chemical_leasing",
    ),
    ("summary", True, _("Public summary of the case."), "The supplier is paid per running hour…"),
    ("options_identified", False, _("Number of options identified."), "3"),
    ("options_implemented", False, _("Number implemented (not more than identified)."), "1"),
    ("investment_amount", False, _("Investment, in the currency below."), ""),
    ("investment_currency", False, _("ISO 4217 code (needs a rate for the year)."), ""),
    ("annual_savings_amount", False, _("Annual monetary savings."), "5700"),
    ("annual_savings_currency", False, _("ISO 4217 code."), "EUR"),
    ("visibility", False, _("public (default) or network."), "public"),
    ("enterprises", False, _("Number of enterprises the case covers (default 1)."), "1"),
]
for _code in IMPACT_CODES:
    COLUMNS.append(
        (f"{_code}_value", False, _("Annual impact value (%(code)s).") % {"code": _code}, "")
    )
    COLUMNS.append((f"{_code}_unit", False, _("Unit of the value above."), ""))

COLUMN_NAMES = [c[0] for c in COLUMNS]
MAX_ROWS = 5000
# Cells right of this column are not read: no known column can be there, and a declared sheet
# width of 16,384 columns must not turn every row into 16,384 values.
MAX_COLUMNS = 100
# Physical rows read at most, blank ones included: an XLSX with one stray cell in row 1,048,576
# would otherwise make the reader produce a million empty rows before the data-row limit bites.
MAX_LINES = 20 * MAX_ROWS
XLSX_MAGIC = b"PK\x03\x04"
# The background import's soft and hard time limits. A job still pending or running
# ``STUCK_AFTER`` seconds after it was queued or claimed has lost its worker (killed at the hard
# limit, or its message lost), and the sweep fails it.
WORKER_SOFT_TIME_LIMIT = 30 * 60
WORKER_TIME_LIMIT = 31 * 60
STUCK_AFTER = WORKER_TIME_LIMIT + 5 * 60


class ImportFileError(Exception):
    """The file as a whole cannot be read (size, format, header, too many rows). ``row`` is
    the row of the file where reading stopped, where that is known."""

    def __init__(self, message: Any, *, row: int | None = None) -> None:
        super().__init__(str(message))
        self.row = row


@dataclass(frozen=True)
class Row:
    number: int  # the row number as the user sees it in the file (header = 1)
    values: dict[str, str]


def _text(value: Any) -> str:
    """A cell as text; a spreadsheet's number in plain digits (``str(0.00001)`` is
    ``1e-05``, which the number reader rightly refuses)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return plain(value)
    return str(value).strip()


def _csv_lines(stream: IO[bytes]) -> Generator[Sequence[Any]]:
    # Decoded and split as it is read: a refused file is never held as one string or list.
    # newline="" lets the csv module see quoted line breaks and old Mac "\r" endings.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(text)
    finally:
        text.detach()  # the caller owns the stream


def _xlsx_lines(stream: IO[bytes], *, max_unpacked: int) -> Generator[Sequence[Any]]:
    unreadable = _("This is not a readable XLSX workbook.")
    try:
        workbook = xlsx.open_workbook(stream, max_unpacked=max_unpacked, first_sheet_only=True).wb
    except xlsx.WorkbookTooLarge as too_large:
        raise ImportFileError(
            _("The workbook unpacks to %(size)s; at most %(max)s can be imported at a time.")
            % {"size": filesizeformat(too_large.unpacked), "max": filesizeformat(max_unpacked)}
        ) from None
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # zipfile and openpyxl raise many kinds for a corrupt file
        raise ImportFileError(unreadable) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(unreadable)
        yield from workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
    except (SoftTimeLimitExceeded, ImportFileError):
        raise
    except Exception:  # a corrupt sheet part fails only when it is read
        raise ImportFileError(unreadable) from None
    finally:
        workbook.close()


def _names(names: Sequence[str]) -> str:
    shown = [name[:40] for name in names[:10]]
    return ", ".join(shown) + (", …" if len(names) > 10 else "")


def _header(cells: list[str]) -> list[str]:
    header = [h.lower() for h in cells]
    missing = [c for c, required, _d, _e in COLUMNS if required and c not in header]
    if missing:
        raise ImportFileError(
            _("Columns missing from the first row: %(cols)s.") % {"cols": _names(missing)},
            row=1,
        )
    unknown = [h for h in header if h and h not in COLUMN_NAMES]
    if unknown:
        raise ImportFileError(_("Unknown columns: %(cols)s.") % {"cols": _names(unknown)}, row=1)
    return header


def parse_rows(
    *, filename: str, content: bytes | IO[bytes], max_unpacked: int | None = None
) -> list[Row]:
    """The file's data rows, keyed by column name, skipping blank lines. Read as a stream
    and refused as soon as it has more than ``MAX_ROWS`` data rows, so that the cost of a
    refused file is bounded by the limit, not by the file. An XLSX may unpack to at most
    ``max_unpacked`` bytes (default: the IMPORT_MAX_UNPACKED_BYTES setting). Raises
    :class:`ImportFileError` for anything it cannot read."""
    stream: IO[bytes] = io.BytesIO(content) if isinstance(content, bytes) else content
    stream.seek(0)
    magic = stream.read(len(XLSX_MAGIC))
    stream.seek(0)
    lines: Generator[Sequence[Any]]
    if magic == XLSX_MAGIC:
        if max_unpacked is None:
            max_unpacked = settings.IMPORT_MAX_UNPACKED_BYTES
        lines = _xlsx_lines(stream, max_unpacked=max_unpacked)
    elif filename.lower().endswith(".xlsx"):
        raise ImportFileError(_("This is not a readable XLSX workbook."))
    else:
        lines = _csv_lines(stream)
    header: list[str] | None = None
    rows: list[Row] = []
    number = 0
    try:
        for number, raw in enumerate(lines, start=1):
            if number > MAX_LINES:
                raise ImportFileError(
                    _(
                        "The file has more than %(lines)s rows, counting blank ones; import at"
                        " most %(n)s rows at a time."
                    )
                    % {"lines": MAX_LINES, "n": MAX_ROWS},
                    row=number,
                )
            cells = [_text(v) for v in raw[:MAX_COLUMNS]]
            if any("\x00" in c for c in cells):
                # No text column can hold it; saying where beats the database's refusal.
                raise ImportFileError(
                    _("Row %(row)s, column %(col)s contains a NUL character; remove it.")
                    % {
                        "row": number,
                        "col": next(i for i, c in enumerate(cells, start=1) if "\x00" in c),
                    },
                    row=number,
                )
            if header is None:
                header = _header(cells)
                continue
            if not any(cells):
                continue
            if len(rows) == MAX_ROWS:
                raise ImportFileError(
                    _("Import at most %(n)s rows at a time.") % {"n": MAX_ROWS}, row=number
                )
            values = {
                name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name
            }
            rows.append(Row(number, values))
    except UnicodeDecodeError:
        raise ImportFileError(_("Save the CSV file as UTF-8."), row=number + 1) from None
    except csv.Error as exc:
        raise ImportFileError(
            _("Row %(row)s cannot be read as CSV (%(reason)s).")
            % {"row": number + 1, "reason": str(exc)[:100]},
            row=number + 1,
        ) from None
    finally:
        lines.close()  # stops the reader where it is; closes the workbook
    if header is None:
        raise ImportFileError(_("The file is empty."))
    if not rows:
        raise ImportFileError(_("The file has no data rows."))
    return rows


def row_to_input(values: Mapping[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A row's cells as the services' ``fields`` and ``impacts``."""
    fields: dict[str, Any] = {}
    for name in COLUMN_NAMES:
        if name.endswith(("_value", "_unit")) and name.rsplit("_", 1)[0] in IMPACT_CODES:
            continue
        if name not in values:
            continue
        value = values[name]
        if name == "themes":
            fields[name] = [t.strip() for t in value.replace(",", ";").split(";") if t.strip()]
        elif name in ("year", "options_identified", "options_implemented", "enterprises"):
            if value == "":
                if name != "enterprises":
                    fields[name] = None
                continue
            fields[name] = value  # read and bounded by the services, as from the pages
        elif name == "visibility":
            fields[name] = value or "public"
        else:
            fields[name] = value
    impacts = [
        {
            "indicator": code,
            "value": values.get(f"{code}_value", ""),
            "unit": values.get(f"{code}_unit", ""),
        }
        for code in IMPACT_CODES
        if values.get(f"{code}_value", "") != ""
    ]
    return fields, impacts


def template_rows() -> list[dict[str, str]]:
    return [{name: example for name, _r, _d, example in COLUMNS}]
