"""The search of a case attachment for the case's enterprise name: enterprise names never leave
the network (DESIGN.md), and a public attachment reaches visitors, so a file that names the
enterprise, in its file name or its content, may not be public.

Where it looks: the file's names (the stored, sanitised one and the one it was uploaded
under, whose letters without an ASCII form the sanitised one drops); of a PDF (pypdf), the text
of its pages, its document information and XMP metadata, its form fields' values and its
annotations' texts (a PDF none of whose pages has any text, a scan, "could not be checked");
of an XLSX workbook (openpyxl), its cells (the values, also the cached ones of formulas, and
the formulas' text, their string literals also joined: ``="Acme Wid"&"gets"``), shared
strings, sheet names, headers and footers, comments, drawings (text boxes, alternative texts),
charts, and its core, extended (company, manager) and custom document properties. Images are
searched by their file names only. Uploads are PDF, XLSX, PNG or JPEG; any other type "could
not be checked". Bookmarks, embedded files and text drawn in images are not read.

How it compares: case, accents, spaces and punctuation do not count ("Café Ñandú Ltd" is found
in ``CAFE-nandu_ltd.pdf``; stored file names have dashes for spaces), and a name of fewer than
:data:`MIN_NAME_LENGTH` letters or digits is not searched for (it would be found everywhere).
The name is searched for without its trailing legal forms (:data:`LEGAL_FORMS`: "Acme Widgets
Ltd." is found in "ACME WIDGETS"), unless fewer than :data:`MIN_NAME_LENGTH` letters remain.

Bounded: at most the ``ATTACHMENT_CHECK_MAX_*`` settings' pages, cells and bytes are read; a
longer file, like a malformed, protected or unknown one, "could not be checked" and so stays
network-only. The search never raises on a file's content.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from knowledge.evidence.models.cases import NameCheck

logger = logging.getLogger(__name__)

MIN_NAME_LENGTH = 3

# Legal forms that may end an enterprise's name, and are dropped from the name searched for.
# Compared word by word after normalisation: "S.A." is also "SA" or "s. a.", never the end of
# a longer word ("Hansab" keeps its "ab").
LEGAL_FORMS = (
    "Ltd",
    "Ltd.",
    "Limited",
    "Inc",
    "Inc.",
    "LLC",
    "PLC",
    "GmbH",
    "AG",
    "S.A.",
    "SA",
    "S.A.S.",
    "S.R.L.",
    "SRL",
    "S.p.A.",
    "Co.",
    "Company",
    "Corp.",
    "Corporation",
    "Pvt",
    "Pvt. Ltd",
    "Sdn Bhd",
    "Tbk",
    "JSC",
    "OJSC",
    "LLP",
    "B.V.",
    "N.V.",
    "Oy",
    "AB",
    "A/S",
    "S.A. de C.V.",
    "Cía.",
    "Ltda.",
    "EIRL",
)

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
# The entries of a PDF annotation that hold text (a widget's are its form field's).
PDF_ANNOTATION_TEXTS = ("/Contents", "/T", "/Subj", "/RC", "/TU", "/V", "/DV")
# The entries of a PDF form field that hold text: its value, default value and tooltip.
PDF_FIELD_TEXTS = ("/V", "/DV", "/TU")
MARKUP = re.compile(r"<[^>]*>")
# The core document properties of a workbook that hold text.
XLSX_PROPERTIES = (
    "title",
    "subject",
    "creator",
    "keywords",
    "description",
    "category",
    "lastModifiedBy",
    "identifier",
    "language",
    "version",
    "revision",
    "contentStatus",
)
# The parts of a workbook searched besides its sheets and shared strings, by content type: the
# text of their elements, and the attributes named.
XLSX_TEXT_PARTS: dict[str, tuple[str, ...]] = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml": (),
    "application/vnd.ms-excel.threadedcomments+xml": (),
    "application/vnd.ms-excel.person+xml": ("displayName", "userId"),
    "application/vnd.openxmlformats-officedocument.drawing+xml": ("descr", "title"),
    "application/vnd.openxmlformats-officedocument.drawingml.chart+xml": (),
    "application/vnd.openxmlformats-officedocument.extended-properties+xml": (),
    "application/vnd.openxmlformats-officedocument.custom-properties+xml": ("name",),
}
# The extended properties that name the program, not the document (not searched: "Microsoft
# Excel" is in every workbook Excel saves).
XLSX_APP_FIELDS = frozenset(
    {"Application", "AppVersion", "DocSecurity", "ScaleCrop", "LinksUpToDate", "SharedDoc"}
)
HEADER_FOOTER_TAGS = (
    "oddHeader",
    "oddFooter",
    "evenHeader",
    "evenFooter",
    "firstHeader",
    "firstFooter",
)
# A header's or footer's formatting and field codes: a font, a colour, a size, a field in
# brackets, a one-letter code (bold, page number, section...), an escaped ampersand.
HEADER_FOOTER_CODE = re.compile(
    r'&(?:"[^"]*"|K(?:[0-9A-Fa-f]{6}|\d\d[+-]\d{3})|\d+|\[[^\]]*\]|[A-Za-z]|&)'
)
# A string literal in a formula ("" is a quote inside it).
FORMULA_LITERAL = re.compile(r'"((?:[^"]|"")*)"')


def normalise(text: str) -> str:
    """``text`` without case, accents, spaces or punctuation: letters and digits only.

    The accents go first (some would become letters in upper case: the Greek iota subscript);
    upper-casing before case-folding then also folds letters that case-folding alone keeps
    apart (the dotless "ı" of "Kırıkkale" against "KIRIKKALE")."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = unicodedata.normalize("NFKD", bare.upper().casefold())
    return "".join(ch for ch in folded if ch.isalnum())


def _words(text: str) -> list[tuple[str, int]]:
    """The words of ``text`` (runs of letters, digits and accents), each normalised, with the
    index in ``text`` where it starts."""
    words: list[tuple[str, int]] = []
    start: int | None = None
    for index, ch in enumerate([*text, " "]):
        if unicodedata.category(ch)[0] in "LNM":
            if start is None:
                start = index
        elif start is not None:
            word = normalise(text[start:index])
            if word:
                words.append((word, start))
            start = None
    return words


_LEGAL_FORM_WORDS = sorted(
    {tuple(word for word, _start in _words(form)) for form in LEGAL_FORMS}, key=len, reverse=True
)


def searched_name(enterprise_name: str) -> str:
    """The normalised name searched for: ``enterprise_name`` without the legal forms that end
    it ("Acme Widgets Co. Ltd" is searched for as "ACMEWIDGETS"), as long as at least
    :data:`MIN_NAME_LENGTH` letters remain. A file that names the enterprise with its legal
    form names it without, too."""
    text = enterprise_name or ""
    words = _words(text)
    end = len(text)
    stripped = True
    while stripped:
        stripped = False
        for form in _LEGAL_FORM_WORDS:
            count = len(form)
            if len(words) <= count or tuple(word for word, _s in words[-count:]) != form:
                continue
            rest = normalise(text[: words[-count][1]])
            if sum(ch.isalpha() for ch in rest) >= MIN_NAME_LENGTH:
                words, end, stripped = words[:-count], words[-count][1], True
                break
    return normalise(text[:end])


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


class _Unchecked(Exception):
    """The file cannot be searched (a PDF without text: a scan)."""


class _TooLong(_Unchecked):
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
    if len(normalise(enterprise_name or "")) < MIN_NAME_LENGTH:
        return NameCheck.CLEAR
    name = searched_name(enterprise_name)
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
    except _Unchecked:
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
    for field in (reader.get_fields() or {}).values():
        for key in PDF_FIELD_TEXTS:
            yield from _texts(field.get(key))
    any_text = False
    for page in reader.pages:
        text = page.extract_text() or ""
        any_text = any_text or bool(text.strip())
        yield text
        yield from _annotation_texts(page)
    if not any_text:
        # Scanned: its text is drawn, and what it says cannot be known.
        raise _Unchecked


def _annotation_texts(page: Any) -> Iterator[str]:
    """The texts of a page's annotations: comments, their authors, form widgets' values, the
    addresses links go to."""
    annotations: Any = page.get("/Annots")
    if hasattr(annotations, "get_object"):
        annotations = annotations.get_object()
    if not isinstance(annotations, list):
        return
    for annotation in annotations:
        if hasattr(annotation, "get_object"):
            annotation = annotation.get_object()
        if not isinstance(annotation, dict):
            continue
        for key in PDF_ANNOTATION_TEXTS:
            for text in _texts(annotation.get(key)):
                yield text
                if key == "/RC":  # rich text, in XHTML
                    yield MARKUP.sub("", text)
        action: Any = annotation.get("/A")
        if hasattr(action, "get_object"):
            action = action.get_object()
        if isinstance(action, dict):
            yield from _texts(action.get("/URI"))


def _texts(value: Any) -> Iterator[str]:
    """The text in a metadata value: a text (a PDF's indirect object resolved, a stream's
    content), or the texts of a list or of a language-tagged mapping (XMP). Nothing deeper is
    followed: a PDF's objects may refer to each other in a cycle."""
    if hasattr(value, "get_object"):
        value = value.get_object()
    if hasattr(value, "get_data"):
        data = value.get_data()
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError:
            yield data.decode("latin-1")
        return
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
    from knowledge.evidence import xlsx

    try:
        reader = xlsx.open_workbook(stream, max_unpacked=limits.bytes)
    except xlsx.WorkbookTooLarge:
        raise _TooLong from None
    workbook = reader.wb
    try:
        yield from _xlsx_properties(workbook)
        # Every string the workbook holds, also those no cell shows any more.
        for text in reader.shared_strings:
            yield str(text)
        cells = _Cells(limits.cells)
        for sheet in workbook.worksheets:
            yield sheet.title
            yield from _sheet_texts(sheet, reader.shared_strings, cells)
        yield from _xlsx_part_texts(reader)
    finally:
        workbook.close()


def _xlsx_properties(workbook: Any) -> Iterator[str]:
    """The workbook's document properties: the core ones and the custom ones."""
    properties = workbook.properties
    for attribute in XLSX_PROPERTIES:
        value = getattr(properties, attribute, None)
        if isinstance(value, str):
            yield value
    custom = getattr(workbook, "custom_doc_props", None)
    for prop in getattr(custom, "props", None) or ():
        yield str(getattr(prop, "name", "") or "")
        value = getattr(prop, "value", None)
        if value is not None:
            yield str(value)


class _Cells:
    """The cells read so far, against the cell limit."""

    def __init__(self, limit: int) -> None:
        self.read = 0
        self.limit = limit

    def add(self, count: int) -> None:
        self.read += count
        if self.read > self.limit:
            raise _TooLong


def _sheet_texts(sheet: Any, shared_strings: Any, cells: _Cells) -> Iterator[str]:
    """A worksheet's rows (each cell's value, the cached one of a formula, and each formula's
    text and the concatenation of its string literals) and its headers and footers (as
    written, and without their formatting codes)."""
    from openpyxl.worksheet._reader import FORMULA_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    headers_footers = {f"{{{SHEET_MAIN_NS}}}{tag}" for tag in HEADER_FOOTER_TAGS}
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, shared_strings, data_only=True)
        last = 0
        for _event, element in iterparse(source):
            if element.tag == ROW_TAG:
                number, row = parser.parse_row(element)
                formulas = [f.text for f in element.iter(FORMULA_TAG) if f.text]
                element.clear()
                # A row counts as many cells as it is wide, an empty row (also one not in the
                # file: a sheet with only rows 1 and 1,048,576 has every row between) as one.
                width = max((cell["column"] for cell in row), default=1)
                cells.add(max(number - last - 1, 0) + max(width, 1))
                last = max(last, number)
                texts = [str(cell["value"]) for cell in row if cell["value"] is not None]
                for formula in formulas:
                    texts.append(formula)
                    literals = FORMULA_LITERAL.findall(formula)
                    if literals:
                        texts.append("".join(literal.replace('""', '"') for literal in literals))
                yield " ".join(texts)
            elif element.tag in headers_footers:
                text = element.text or ""
                yield text
                yield HEADER_FOOTER_CODE.sub("", text)
                element.clear()


def _xlsx_part_texts(reader: Any) -> Iterator[str]:
    """The text of the workbook's parts that :data:`XLSX_TEXT_PARTS` lists: of each element,
    its text and the attributes listed."""
    from openpyxl.xml.functions import iterparse

    names = set(reader.archive.namelist())
    for part in reader.package.Override:
        attributes = XLSX_TEXT_PARTS.get(part.ContentType)
        name = (part.PartName or "").lstrip("/")
        if attributes is None or name not in names:
            continue
        with reader.archive.open(name) as source:
            for _event, element in iterparse(source):
                if element.text and element.tag.rsplit("}", 1)[-1] not in XLSX_APP_FIELDS:
                    yield element.text
                for attribute in attributes:
                    value = element.get(attribute)
                    if value:
                        yield value
                element.clear()


_READERS: dict[str, Callable[[IO[bytes], Limits], Iterator[str]]] = {
    PDF: _pdf_texts,
    XLSX: _xlsx_texts,
}
