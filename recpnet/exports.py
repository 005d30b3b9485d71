"""Tables out of the portal as CSV, XLSX or JSON: one helper for every export.

Small exports are built in the request; large ones (tens of thousands of rows) run as Celery
tasks that call :func:`write_table` into a file (openpyxl's write-only mode is slow at scale).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.text import slugify

from recpnet.numbers import plain

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

Columns = Sequence[tuple[str, str]]  # (key in each row, column heading)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | float):
        return plain(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if value is None:
        return ""
    return value


def _cell(value: Any, *, numeric: bool = False) -> Any:
    """One cell: numbers in plain digits (kept as numbers in XLSX when ``numeric``); user text
    with formula injection neutralised (=, +, -, @)."""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return Decimal(plain(value)) if numeric else plain(value)
    value = _plain(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_table(rows: Iterable[Mapping[str, Any]], columns: Columns, fmt: str) -> bytes:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([label for _, label in columns])
        for row in rows:
            writer.writerow([_cell(row.get(key)) for key, _ in columns])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("data")
        sheet.append([label for _, label in columns])
        for row in rows:
            sheet.append([_cell(row.get(key), numeric=True) for key, _ in columns])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    if fmt == "json":
        data = [{key: _json(row.get(key)) for key, _ in columns} for row in rows]
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    raise ValueError(fmt)


def _json(value: Any) -> Any:
    if isinstance(value, Decimal | float):
        return plain(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_response(
    *, rows: Iterable[Mapping[str, Any]], columns: Columns, fmt: str, filename: str
) -> HttpResponse:
    """An attachment download of ``rows`` in ``fmt`` (csv, xlsx or json); unknown format → 404."""
    if fmt not in FORMATS:
        raise Http404
    response = HttpResponse(write_table(rows, columns, fmt), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename)}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
