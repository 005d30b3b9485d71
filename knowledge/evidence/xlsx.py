"""Opening an XLSX workbook safely, for the case import (knowledge.evidence.imports) and the
search of case attachments for the enterprise name (knowledge.evidence.attachments).

The archive's declared sizes are checked before anything is inflated: zipfile never yields
more than an entry declares (a lie ends in a CRC error), so a zip bomb is refused here instead
of being expanded by openpyxl. The workbook is read-only and its worksheets are unsized:
``load_workbook(read_only=True)`` looks for each sheet's declared size by parsing the sheet
until it finds one (the whole sheet when there is none), and then pads every row to the
declared width and yields the declared empty rows (a declared A1:XFD1048576 would make a
reader count or return millions of empty cells)."""

from __future__ import annotations

import functools
import zipfile
from typing import IO, Any


class WorkbookTooLarge(Exception):
    """The workbook unpacks to more than the caller allows; ``unpacked`` is its declared size
    in bytes."""

    def __init__(self, unpacked: int) -> None:
        super().__init__(unpacked)
        self.unpacked = unpacked


def unpacked_size(stream: IO[bytes]) -> int:
    """The sum of the sizes the archive declares for its entries (nothing is inflated)."""
    with zipfile.ZipFile(stream) as archive:
        return sum(info.file_size for info in archive.infolist())


def open_workbook(stream: IO[bytes], *, max_unpacked: int, first_sheet_only: bool = False) -> Any:
    """The openpyxl reader of the workbook in ``stream`` (an ``ExcelReader``, read: its
    ``wb`` is the workbook, read-only with cached values, every worksheet unsized; its
    ``shared_strings``, ``package`` and ``archive`` are there too), with its first worksheet
    only if ``first_sheet_only``. The caller closes ``reader.wb``.

    Raises :class:`WorkbookTooLarge` if the archive declares more than ``max_unpacked`` bytes,
    and whatever zipfile or openpyxl raise for a file that is not a readable workbook."""
    unpacked = unpacked_size(stream)
    if unpacked > max_unpacked:
        raise WorkbookTooLarge(unpacked)
    stream.seek(0)
    reader = _reader_class()(stream, read_only=True, data_only=True)
    reader.first_sheet_only = first_sheet_only
    reader.read()
    return reader


@functools.cache
def _reader_class() -> Any:
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            pass

    class UnsizedReader(ExcelReader):  # type: ignore[misc]
        first_sheet_only = False

        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    self.wb._sheets.append(
                        UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                    )
                    if self.first_sheet_only:
                        return

    return UnsizedReader
