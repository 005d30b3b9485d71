"""Bulk import of cases from CSV and XLSX: the documented columns, the downloadable template,
and parsing a file into numbered rows. Validation and writing are the services' (all or
nothing, every bad row reported with its row number and field)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

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


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, header)."""


@dataclass(frozen=True)
class Row:
    number: int  # the row number as the user sees it in the file (header = 1)
    values: dict[str, str]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("Save the CSV file as UTF-8.")) from None
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a corrupt file
        raise ImportFileError(_("This is not a readable XLSX workbook.")) from None
    sheet = workbook.worksheets[0]
    rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def parse_rows(*, filename: str, content: bytes) -> list[Row]:
    """The file's data rows, keyed by column name, skipping blank lines."""
    if content.startswith(b"PK\x03\x04"):
        table = _read_xlsx(content)
    elif filename.lower().endswith(".xlsx"):
        raise ImportFileError(_("This is not a readable XLSX workbook."))
    else:
        table = _read_csv(content)
    if not table:
        raise ImportFileError(_("The file is empty."))
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c, required, _d, _e in COLUMNS if required and c not in header]
    if missing:
        raise ImportFileError(
            _("Columns missing from the first row: %(cols)s.") % {"cols": ", ".join(missing)}
        )
    unknown = [h for h in header if h and h not in COLUMN_NAMES]
    if unknown:
        raise ImportFileError(_("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)})
    rows: list[Row] = []
    for index, raw in enumerate(table[1:], start=2):
        cells = [_text(v) for v in raw]
        if not any(cells):
            continue
        values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        rows.append(Row(index, values))
    if not rows:
        raise ImportFileError(_("The file has no data rows."))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("Import at most %(n)s rows at a time.") % {"n": MAX_ROWS})
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
            fields[name] = _int(value, name)
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


def _int(value: str, name: str) -> int:
    from django.core.exceptions import ValidationError

    try:
        number = float(value.replace(",", ""))
    except ValueError:
        raise ValidationError({name: _("Enter a whole number.")}) from None
    if not number.is_integer() or number < 0:
        raise ValidationError({name: _("Enter a whole number of zero or more.")})
    return int(number)


def template_rows() -> list[dict[str, str]]:
    return [{name: example for name, _r, _d, example in COLUMNS}]
