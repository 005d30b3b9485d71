"""The search of a case attachment for the case's enterprise name: enterprise names never leave
the network (DESIGN.md), and a public attachment reaches visitors, so a file that names the
enterprise, in its file name or its content, may not be public.

Where it looks: the file's names (the stored, sanitised one and the one it was uploaded
under, whose letters without an ASCII form the sanitised one drops); the text of a PDF's
pages, its document information and its XMP metadata (pypdf); an XLSX workbook's cells, shared
strings, sheet names and properties (openpyxl). Images are searched by their file names only.
Uploads are PDF, XLSX, PNG or JPEG; any other type "could not be checked". Annotations,
bookmarks, embedded files, comments and text drawn in images are not read.

How it compares: case, accents, spaces and punctuation do not count ("Café Ñandú Ltd" is found
in ``CAFE-nandu_ltd.pdf``; stored file names have dashes for spaces), and a name of fewer than
:data:`MIN_NAME_LENGTH` letters or digits is not searched for (it would be found everywhere).

Bounded: at most the ``ATTACHMENT_CHECK_MAX_*`` settings' pages, cells and bytes are read; a
longer file, like a malformed, protected or unknown one, "could not be checked" and so stays
network-only. The search never raises on a file's content.
"""

from __future__ import annotations

import logging
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from knowledge.evidence.models.cases import NameCheck

logger = logging.getLogger(__name__)

MIN_NAME_LENGTH = 3

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The XMP properties of a PDF that hold free text (a language-tagged text, a list, or a text).
XMP_TEXTS = (
    "dc_title",
    "dc_description",
    "dc_creator",
    "dc_subject",
    "dc_publisher",
    "dc_contributor",
    "dc_rights",
    "pdf_keywords",
)


def normalise(text: str) -> str:
    """``text`` without case, accents, spaces or punctuation: letters and digits only.

    The accents go first (some would become letters in upper case: the Greek iota subscript);
    upper-casing before case-folding then also folds letters that case-folding alone keeps
    apart (the dotless "ı" of "Kırıkkale" against "KIRIKKALE")."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = unicodedata.normalize("NFKD", bare.upper().casefold())
    return "".join(ch for ch in folded if ch.isalnum())


@dataclass(frozen=True)
class Limits:
    """How much of one file the search reads at most."""

    pages: int
    cells: int
    bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            pages=settings.ATTACHMENT_CHECK_MAX_PAGES,
            cells=settings.ATTACHMENT_CHECK_MAX_CELLS,
            bytes=settings.ATTACHMENT_CHECK_MAX_BYTES,
        )


class _TooLong(Exception):
    """The file is longer than the limits allow to read."""


class _Needle:
    """The normalised name, looked for in text fed piece by piece (a name split across two
    pieces, e.g. two pages, is found too), counting what was read against the byte limit."""

    def __init__(self, name: str, *, max_bytes: int) -> None:
        self.name = name
        self.tail = ""
        self.read = 0
        self.max_bytes = max_bytes

    def found_in(self, text: str) -> bool:
        self.read += len(text.encode("utf-8", "surrogatepass"))
        if self.read > self.max_bytes:
            raise _TooLong
        window = self.tail + normalise(text)
        if self.name in window:
            return True
        self.tail = window[-(len(self.name) - 1) :]
        return False


def search(
    *,
    enterprise_name: str,
    filename: str,
    content_type: str,
    stream: IO[bytes] | None,
    original_name: str = "",
    limits: Limits | None = None,
) -> NameCheck:
    """Whether the enterprise is named in the file called ``filename`` (stored) or
    ``original_name`` (as uploaded) whose content is ``stream`` (read from its start; its
    position is left anywhere): ``CLEAR``, ``IN_FILENAME``, ``IN_CONTENT`` or ``UNCHECKED``
    (malformed, protected, too long, of an unknown type, or no content given)."""
    name = normalise(enterprise_name or "")
    if len(name) < MIN_NAME_LENGTH:
        return NameCheck.CLEAR
    if any(name in normalise(each) for each in (filename, original_name)):
        return NameCheck.IN_FILENAME
    if content_type.startswith("image/"):
        return NameCheck.CLEAR
    reader = _READERS.get(content_type)
    if reader is None or stream is None:
        return NameCheck.UNCHECKED
    limits = limits or Limits.from_settings()
    needle = _Needle(name, max_bytes=limits.bytes)
    try:
        stream.seek(0)
        for text in reader(stream, limits):
            if needle.found_in(text):
                return NameCheck.IN_CONTENT
    except _TooLong:
        return NameCheck.UNCHECKED
    except Exception:  # pypdf and openpyxl raise many kinds for a malformed file
        logger.info("Attachment %r could not be searched", filename, exc_info=True)
        return NameCheck.UNCHECKED
    return NameCheck.CLEAR


def _pdf_texts(stream: IO[bytes], limits: Limits) -> Iterator[str]:
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(stream)
    # A PDF protected only against changes opens with the empty password (as in any viewer);
    # one that needs a password to be read cannot be searched.
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise ValueError("encrypted PDF")
    if len(reader.pages) > limits.pages:
        raise _TooLong
    info = reader.metadata
    if info is not None:
        for key in list(info.keys()):
            # ``info[key]`` resolves a value held as an indirect object (``get`` does not).
            yield from _texts(info[key])
    xmp = reader.xmp_metadata
    if xmp is not None:
        for attribute in XMP_TEXTS:
            yield from _texts(getattr(xmp, attribute, None))
    for page in reader.pages:
        yield page.extract_text() or ""


def _texts(value: Any) -> Iterator[str]:
    """The text in a metadata value: a text (a PDF's indirect object resolved), or the texts
    of a list or of a language-tagged mapping (XMP). Nothing deeper is followed: a PDF's
    objects may refer to each other in a cycle."""
    items = value.values() if isinstance(value, dict) else value
    if isinstance(value, (str, bytes)) or not isinstance(items, Iterable):
        items = [value]
    for item in items:
        if hasattr(item, "get_object"):
            item = item.get_object()
        if isinstance(item, str):
            yield item
        elif isinstance(item, bytes):
            yield item.decode("latin-1")


def _xlsx_texts(stream: IO[bytes], limits: Limits) -> Iterator[str]:
    # The sizes are the archive's own declaration, checked before anything is inflated (as
    # the case import does): a zip bomb is refused, not expanded by openpyxl.
    with zipfile.ZipFile(stream) as archive:
        if sum(info.file_size for info in archive.infolist()) > limits.bytes:
            raise _TooLong
    stream.seek(0)
    reader = _workbook_reader(stream)
    workbook = reader.wb
    try:
        properties = workbook.properties
        for attribute in ("title", "subject", "creator", "lastModifiedBy", "description"):
            value = getattr(properties, attribute, None)
            if isinstance(value, str):
                yield value
        # Every string the workbook holds, also those no cell shows any more.
        for text in reader.shared_strings:
            yield str(text)
        cells = 0
        for sheet in workbook.worksheets:
            yield sheet.title
            for row in sheet.iter_rows(values_only=True):
                # An empty row counts as one cell: a sheet with only row 1 and row 1,048,576
                # yields every row between.
                cells += max(len(row), 1)
                if cells > limits.cells:
                    raise _TooLong
                yield " ".join(str(value) for value in row if value is not None)
    finally:
        workbook.close()


def _workbook_reader(stream: IO[bytes]) -> Any:
    """The workbook, read-only, every worksheet unsized: ``load_workbook(read_only=True)``
    pads each row to the sheet's declared width, and a declared A1:XFD1048576 would make the
    cell limit count empty cells (knowledge.evidence.imports reads its first sheet likewise)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            pass

    class UnsizedReader(ExcelReader):
        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    self.wb._sheets.append(
                        UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                    )

    reader = UnsizedReader(stream, read_only=True, data_only=True)
    reader.read()
    return reader


_READERS: dict[str, Callable[[IO[bytes], Limits], Iterator[str]]] = {
    PDF: _pdf_texts,
    XLSX: _xlsx_texts,
}
