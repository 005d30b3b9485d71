"""Attachments have a visibility of their own: network-only unless the uploader makes one
public, which a file that names the enterprise (in its name or its content), or that could not
be searched for the name, may never be. Replays the leak that was found: files of public cases
reached visitors, enterprise names with them."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import Workbook
from pypdf import PdfReader

from knowledge.evidence import attachments as name_search
from knowledge.evidence.models.cases import Case, CaseAttachment, NameCheck, Visibility
from knowledge.evidence.services import cases as services
from knowledge.models import ReviewStatus
from recpnet.exceptions import ConflictError
from tests.knowledge.cases.helpers import make_case

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf_with_pages(
    *pages: str,
    extra: Sequence[bytes] = (),
    catalog: str = "",
    trailer: str = "",
    page_entries: str = "",
) -> bytes:
    """A small, well-formed PDF whose pages show ``pages`` (Latin-1 text, Helvetica); the
    objects ``extra`` come after the pages' (numbered from ``4 + 2 * len(pages)``), and
    ``catalog``, ``trailer`` and ``page_entries`` are added to those dictionaries (the last to
    every page's)."""
    count = len(pages)
    objects: list[bytes] = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog}>>".encode(),
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{4 + 2 * i} 0 R".encode() for i in range(count))
        + f"] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 3 0 R >> >> {page_entries}>>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    objects.extend(extra)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {trailer}>>\n".encode()
        + f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def xlsx_with(*cells: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Indicator", "Before", "After"])
    for text in cells:
        sheet.append([text, 10, 8])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _assert_kept_network_only(attachment: Any, finding: str | None = None) -> None:
    """Asked to be public, a file that names the enterprise (or could not be searched) is kept,
    network-only, with the finding for its uploader: nothing uploaded is lost."""
    attachment.refresh_from_db()
    assert attachment.visibility == Visibility.NETWORK
    assert attachment.flagged
    if finding is not None:
        assert attachment.name_check == finding


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _download(case: Any, attachment: CaseAttachment) -> str:
    return reverse("knowledge:case-attachment", args=[case.public_id, attachment.public_id])


def _attach(tenancy: Any, case: Any, name: str, content: bytes, **kwargs: Any) -> CaseAttachment:
    return services.case_attachment_add(
        actor=tenancy.staff_a, case=case, upload=_upload(name, content), **kwargs
    )


# --- the default ----------------------------------------------------------------------------


def test_an_attachment_is_network_only_unless_the_uploader_says_otherwise(client, tenancy) -> None:
    case = make_case(tenancy.member_a)
    client.force_login(tenancy.staff_a)
    response = client.post(
        reverse("knowledge:case-attach", args=[case.public_id]),
        {"file": _upload("boiler.pdf", pdf_with_pages("Boiler tuning"))},
    )
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get(case=case)
    assert attachment.visibility == Visibility.NETWORK
    assert attachment.name_check == NameCheck.CLEAR
    # Chosen public, and clear of the enterprise's name: public.
    client.post(
        reverse("knowledge:case-attach", args=[case.public_id]),
        {"file": _upload("figures.pdf", pdf_with_pages("Fuel use")), "visibility": "public"},
    )
    assert CaseAttachment.objects.get(filename="figures.pdf").visibility == Visibility.PUBLIC
    # The upload form says what a public file must not contain.
    page = client.get(reverse("knowledge:case-detail", args=[case.public_id])).content.decode()
    assert "The enterprise must not be named in it" in page


# --- who downloads what ---------------------------------------------------------------------


def test_visitors_get_only_public_attachments_of_public_approved_cases(client, tenancy) -> None:
    case = make_case(tenancy.member_a)
    public = _attach(tenancy, case, "figures.pdf", pdf_with_pages("Fuel use"), visibility="public")
    network = _attach(tenancy, case, "site-visit.pdf", pdf_with_pages("Site visit notes"))
    case.status = ReviewStatus.APPROVED
    case.save()

    assert client.get(_download(case, network)).status_code == 404
    response = client.get(_download(case, public))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # The case page names only the file visitors may have.
    page = client.get(reverse("knowledge:case-detail", args=[case.public_id])).content.decode()
    assert "figures.pdf" in page
    assert "site-visit.pdf" not in page

    # The network gets both; a logged-in user outside it only the public one.
    for role in ("staff_b", "coordinator_b", "secretariat", "staff_a"):
        client.force_login(getattr(tenancy, role))
        assert client.get(_download(case, network)).status_code == 200, role
        page = client.get(reverse("knowledge:case-detail", args=[case.public_id]))
        assert "site-visit.pdf" in page.content.decode(), role
    client.force_login(tenancy.outsider)
    assert client.get(_download(case, network)).status_code == 404
    assert client.get(_download(case, public)).status_code == 200


@pytest.mark.parametrize(
    ("status", "visibility"),
    [
        (ReviewStatus.DRAFT, "public"),
        (ReviewStatus.SUBMITTED, "public"),
        (ReviewStatus.APPROVED, "network"),
    ],
)
def test_a_public_attachment_is_hidden_with_its_case(client, tenancy, status, visibility) -> None:
    case = make_case(tenancy.member_a)
    public = _attach(tenancy, case, "figures.pdf", pdf_with_pages("Fuel use"), visibility="public")
    case.status, case.visibility = status, visibility
    case.save()
    assert client.get(_download(case, public)).status_code == 404


# --- files that name the enterprise ---------------------------------------------------------


def test_a_pdf_naming_the_enterprise_cannot_be_made_public(client, tenancy) -> None:
    case = make_case(tenancy.member_a, enterprise_name="Lácteos del Valle")
    pdf = pdf_with_pages("Energy audit", "Prepared for LACTEOS  DEL VALLE, plant 2")
    attach = reverse("knowledge:case-attach", args=[case.public_id])
    client.force_login(tenancy.staff_a)

    response = client.post(attach, {"file": _upload("audit.pdf", pdf), "visibility": "public"})
    [message] = _messages(response)
    assert message.startswith("Visibility:")
    assert "kept network-only: the enterprise is named in the content" in message

    # Kept network-only (nothing uploaded is lost); making it public later is refused.
    attachment = CaseAttachment.objects.get()
    assert (attachment.visibility, attachment.name_check) == ("network", NameCheck.IN_CONTENT)
    page = client.get(reverse("knowledge:case-detail", args=[case.public_id])).content.decode()
    assert 'data-testid="attachment-flag"' in page
    response = client.post(
        reverse(
            "knowledge:case-attachment-visibility", args=[case.public_id, attachment.public_id]
        ),
        {"visibility": "public"},
    )
    [message] = _messages(response)
    assert message.startswith("Visibility:") and "appears in its content" in message
    attachment.refresh_from_db()
    assert attachment.visibility == Visibility.NETWORK


def test_an_xlsx_naming_the_enterprise_cannot_be_made_public(tenancy) -> None:
    case = make_case(tenancy.member_a, enterprise_name="Secret Dairy Ltd")
    workbook = xlsx_with("Boiler house", "Condensate line, secret-dairy ltd.")
    _assert_kept_network_only(
        _attach(tenancy, case, "figures.xlsx", workbook, visibility="public"), NameCheck.IN_CONTENT
    )

    attachment = _attach(tenancy, case, "figures.xlsx", workbook)
    assert attachment.name_check == NameCheck.IN_CONTENT
    with pytest.raises(ValidationError) as refused:
        services.case_attachment_set_visibility(
            actor=tenancy.staff_a, attachment=attachment, visibility="public"
        )
    assert "visibility" in refused.value.message_dict
    attachment.refresh_from_db()
    assert attachment.visibility == Visibility.NETWORK
    # The same workbook without the name may be public.
    clean = _attach(tenancy, case, "clean.xlsx", xlsx_with("Boiler house"), visibility="public")
    assert (clean.visibility, clean.name_check) == ("public", NameCheck.CLEAR)


def test_a_file_named_after_the_enterprise_cannot_be_public(tenancy) -> None:
    case = make_case(tenancy.member_a, enterprise_name="Kitumbe Tea Factory")
    _assert_kept_network_only(
        _attach(tenancy, case, "KITUMBE tea_factory 2014.png", PNG, visibility="public"),
        NameCheck.IN_FILENAME,
    )
    # An image's content is not searched: another name is public.
    photo = _attach(tenancy, case, "boiler-house.png", PNG, visibility="public")
    assert photo.visibility == Visibility.PUBLIC


@pytest.mark.parametrize(
    ("enterprise", "stored"),
    [
        ("Kırıkkale Çimento", "Krkkale-Cimento.pdf"),
        ("Straße Brauerei", "Strae-Brauerei.pdf"),
        ("Ørsted Fabrik", "rsted-Fabrik.pdf"),
    ],
)
def test_a_file_named_after_the_enterprise_in_letters_without_ascii_form_cannot_be_public(
    tenancy, enterprise: str, stored: str
) -> None:
    """The stored name drops those letters; the name the file was uploaded under is searched."""
    case = make_case(tenancy.member_a, enterprise_name=enterprise)
    pdf = pdf_with_pages("Energy audit")
    _assert_kept_network_only(
        _attach(tenancy, case, f"{enterprise}.pdf", pdf, visibility="public"), NameCheck.IN_FILENAME
    )
    attachment = _attach(tenancy, case, f"{enterprise}.pdf", pdf)
    assert (attachment.filename, attachment.name_check) == (stored, NameCheck.IN_FILENAME)
    with pytest.raises(ValidationError):
        services.case_attachment_set_visibility(
            actor=tenancy.staff_a, attachment=attachment, visibility="public"
        )


def test_a_rename_searches_the_name_the_file_was_uploaded_under(tenancy) -> None:
    case = make_case(tenancy.member_a, enterprise_name="Secret Dairy Ltd")
    attachment = _attach(
        tenancy, case, "Kırıkkale Çimento.pdf", pdf_with_pages("Energy audit"), visibility="public"
    )
    assert attachment.name_check == NameCheck.CLEAR
    services.case_update(
        actor=tenancy.staff_a, case=case, fields={"enterprise_name": "Kırıkkale Çimento"}
    )
    attachment.refresh_from_db()
    assert (attachment.visibility, attachment.name_check) == ("network", NameCheck.IN_FILENAME)
    assert attachment.unpublished_at is not None


def test_the_name_uploaded_under_is_kept_without_control_characters(tenancy) -> None:
    """A NUL cannot be stored (PostgreSQL); the search ignores such characters anyway."""
    case = make_case(tenancy.member_a, enterprise_name="Secret Dairy Ltd")
    attachment = _attach(tenancy, case, "dir/Secret\x00 Dairy\tLtd\u200b.png", PNG)
    assert attachment.original_name == "Secret DairyLtd.png"
    assert attachment.name_check == NameCheck.IN_FILENAME


def test_the_database_refuses_a_public_attachment_not_found_clear(tenancy) -> None:
    case = make_case(tenancy.member_a)
    attachment = _attach(tenancy, case, "audit.pdf", pdf_with_pages("Secret Dairy Ltd"))
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseAttachment.objects.filter(pk=attachment.pk).update(visibility=Visibility.PUBLIC)


# --- the enterprise renamed -----------------------------------------------------------------


def test_renaming_the_enterprise_makes_a_public_file_naming_it_network_only(
    client, tenancy
) -> None:
    case = make_case(tenancy.member_a, enterprise_name="Secret Dairy Ltd")
    named = _attach(
        tenancy,
        case,
        "audit.pdf",
        pdf_with_pages("Energy audit of the Kitumbé tea factory"),
        visibility="public",
    )
    other = _attach(tenancy, case, "photo.png", PNG, visibility="public")
    assert named.visibility == Visibility.PUBLIC

    services.case_update(
        actor=tenancy.staff_a, case=case, fields={"enterprise_name": "Kitumbe Tea Factory"}
    )
    named.refresh_from_db()
    other.refresh_from_db()
    assert (named.visibility, named.name_check) == ("network", NameCheck.IN_CONTENT)
    assert named.unpublished_at is not None
    assert other.visibility == Visibility.PUBLIC
    # The uploader is told on the case page; making it public again is refused.
    client.force_login(tenancy.staff_a)
    page = client.get(reverse("knowledge:case-detail", args=[case.public_id])).content.decode()
    assert 'data-testid="attachment-unpublished"' in page
    assert "the enterprise is named in the content" in page
    with pytest.raises(ValidationError):
        services.case_attachment_set_visibility(
            actor=tenancy.staff_a, attachment=named, visibility="public"
        )
    # Approved, the case's visitors get the photo only.
    case.refresh_from_db()
    case.status = ReviewStatus.APPROVED
    case.save()
    client.logout()
    assert client.get(_download(case, named)).status_code == 404
    assert client.get(_download(case, other)).status_code == 200


def test_a_rename_searches_only_the_public_attachments(tenancy, monkeypatch) -> None:
    """The network-only ones are not opened under the case's lock: what was found in them
    concerned the old name, so they are marked not searched yet, and searched when someone
    asks to make one public."""
    case = make_case(tenancy.member_a, enterprise_name="Secret Dairy Ltd")
    public = _attach(tenancy, case, "a.pdf", pdf_with_pages("Fuel use"), visibility="public")
    named = _attach(tenancy, case, "b.pdf", pdf_with_pages("Kitumbe Tea Factory, Secret Dairy Ltd"))
    clear = _attach(tenancy, case, "c.pdf", pdf_with_pages("Fuel use"))
    assert (named.name_check, clear.name_check) == (NameCheck.IN_CONTENT, NameCheck.CLEAR)
    searched: list[str] = []
    search = services._search_stored

    def counted(attachment: CaseAttachment, *, enterprise_name: str) -> NameCheck:
        searched.append(attachment.filename)
        return search(attachment, enterprise_name=enterprise_name)

    monkeypatch.setattr(services, "_search_stored", counted)
    services.case_update(
        actor=tenancy.staff_a, case=case, fields={"enterprise_name": "Kitumbe Tea Factory"}
    )
    assert searched == ["a.pdf"]
    for attachment in (public, named, clear):
        attachment.refresh_from_db()
    assert public.name_check == NameCheck.CLEAR
    assert (named.name_check, clear.name_check) == (NameCheck.PENDING, NameCheck.PENDING)
    assert not named.flagged and not named.may_be_public

    # Asked to make them public, each is searched for the new name.
    with pytest.raises(ValidationError):
        services.case_attachment_set_visibility(
            actor=tenancy.staff_a, attachment=named, visibility="public"
        )
    named.refresh_from_db()
    assert (named.visibility, named.name_check) == ("network", NameCheck.IN_CONTENT)
    services.case_attachment_set_visibility(
        actor=tenancy.staff_a, attachment=clear, visibility="public"
    )
    clear.refresh_from_db()
    assert (clear.visibility, clear.name_check) == ("public", NameCheck.CLEAR)


def test_an_attachment_is_searched_for_the_name_of_the_locked_case_row(tenancy) -> None:
    """An upload that comes in while the enterprise is renamed waits for the rename (the case's
    row is locked) and is searched for the new name, not the name its caller read before."""
    case = make_case(tenancy.member_a, enterprise_name="Secret Dairy Ltd")
    stale = Case.objects.get(pk=case.pk)
    services.case_update(
        actor=tenancy.staff_a, case=case, fields={"enterprise_name": "Kitumbe Tea Factory"}
    )
    pdf = pdf_with_pages("Energy audit of the Kitumbe tea factory")
    with CaptureQueriesContext(connection) as queries:
        kept = _attach(tenancy, stale, "audit.pdf", pdf, visibility="public")
    _assert_kept_network_only(kept)
    if connection.features.has_select_for_update:
        assert any(
            "FOR UPDATE" in q["sql"] and 'FROM "knowledge_case"' in q["sql"]
            for q in queries.captured_queries
        )
    assert _attach(tenancy, stale, "audit.pdf", pdf).name_check == NameCheck.IN_CONTENT


def test_visibility_changes_only_while_the_case_may_be_edited(tenancy) -> None:
    case = make_case(tenancy.member_a)
    attachment = _attach(tenancy, case, "figures.pdf", pdf_with_pages("Fuel use"))
    services.case_attachment_set_visibility(
        actor=tenancy.staff_a, attachment=attachment, visibility="public"
    )
    attachment.refresh_from_db()
    assert attachment.visibility == Visibility.PUBLIC
    case.status = ReviewStatus.SUBMITTED
    case.save()
    attachment.refresh_from_db()
    with pytest.raises(ConflictError):
        services.case_attachment_set_visibility(
            actor=tenancy.staff_a, attachment=attachment, visibility="network"
        )


# --- files that cannot be searched ----------------------------------------------------------


def test_a_malformed_pdf_is_kept_network_only_and_marked_unchecked(client, tenancy) -> None:
    case = make_case(tenancy.member_a)
    broken = pdf_with_pages("Secret Dairy Ltd")[:120]  # cut short: no pages, no xref
    _assert_kept_network_only(
        _attach(tenancy, case, "audit.pdf", broken, visibility="public"), NameCheck.UNCHECKED
    )

    attachment = _attach(tenancy, case, "audit.pdf", broken)
    assert (attachment.visibility, attachment.name_check) == ("network", NameCheck.UNCHECKED)
    client.force_login(tenancy.staff_a)
    page = client.get(reverse("knowledge:case-detail", args=[case.public_id])).content.decode()
    assert "the file could not be checked" in page


def test_a_file_longer_than_the_limits_is_not_checked(tenancy, settings) -> None:
    case = make_case(tenancy.member_a)
    settings.ATTACHMENT_CHECK_MAX_PAGES = 2
    short = _attach(tenancy, case, "a.pdf", pdf_with_pages("one", "two"), visibility="public")
    assert short.name_check == NameCheck.CLEAR
    long = _attach(tenancy, case, "b.pdf", pdf_with_pages("one", "two", "Secret Dairy Ltd"))
    assert long.name_check == NameCheck.UNCHECKED
    settings.ATTACHMENT_CHECK_MAX_CELLS = 5
    workbook = _attach(tenancy, case, "c.xlsx", xlsx_with("one", "two"))
    assert workbook.name_check == NameCheck.UNCHECKED


def test_a_file_of_a_type_uploads_do_not_accept_is_not_checked() -> None:
    """Uploads are PDF, XLSX, PNG or JPEG; nothing else is read."""
    for content_type in ("text/plain", "text/csv"):
        found = name_search.search(
            enterprise_name="Café Ñandú",
            filename="notes",
            content_type=content_type,
            stream=io.BytesIO(b"site;CAFE NANDU;2014\n"),
        )
        assert found == NameCheck.UNCHECKED, content_type


def test_the_pdf_document_information_is_searched_also_when_held_as_an_indirect_object(
    tenancy,
) -> None:
    case = make_case(tenancy.member_a, enterprise_name="Secret Dairy Ltd")
    # Objects 6 and 7 (after one page's): the title, and the information dictionary.
    pdf = pdf_with_pages(
        "Energy audit",
        extra=[b"(Audit of Secret Dairy Ltd)", b"<< /Title 6 0 R /Producer (none) >>"],
        trailer="/Info 7 0 R ",
    )
    info = PdfReader(io.BytesIO(pdf)).metadata
    assert info is not None and type(info.get("/Title")).__name__ == "IndirectObject"
    attachment = _attach(tenancy, case, "audit.pdf", pdf)
    assert attachment.name_check == NameCheck.IN_CONTENT


XMP = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Energy audit</rdf:li></rdf:Alt></dc:title>
<dc:{field}>{value}</dc:{field}>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", '<rdf:Alt><rdf:li xml:lang="de">Secret Dairy Ltd</rdf:li></rdf:Alt>'),
        ("description", '<rdf:Alt><rdf:li xml:lang="x-default">SECRET DAIRY</rdf:li></rdf:Alt>'),
        ("creator", "<rdf:Seq><rdf:li>Audit team, secret-dairy</rdf:li></rdf:Seq>"),
        ("subject", "<rdf:Bag><rdf:li>steam</rdf:li><rdf:li>Secret Dairy</rdf:li></rdf:Bag>"),
    ],
)
def test_the_pdf_xmp_metadata_is_searched(tenancy, field: str, value: str) -> None:
    case = make_case(tenancy.member_a, enterprise_name="Secret Dairy")
    xmp = XMP.replace("{field}", field).replace("{value}", value).encode()
    metadata = (
        f"<< /Type /Metadata /Subtype /XML /Length {len(xmp)} >>\nstream\n".encode()
        + xmp
        + b"\nendstream"
    )
    pdf = pdf_with_pages("Energy audit", extra=[metadata], catalog="/Metadata 6 0 R ")
    assert PdfReader(io.BytesIO(pdf)).xmp_metadata is not None
    attachment = _attach(tenancy, case, "audit.pdf", pdf)
    assert attachment.name_check == NameCheck.IN_CONTENT
    clean = _attach(tenancy, case, "clean.pdf", pdf_with_pages("Energy audit"))
    assert clean.may_be_public


# --- where the red team hid the name ---------------------------------------------------------

ACME = "Acme Widgets Ltd."


def _search(content: bytes, content_type: str, enterprise_name: str = ACME) -> NameCheck:
    return name_search.search(
        enterprise_name=enterprise_name,
        filename="figures",
        content_type=content_type,
        stream=io.BytesIO(content),
    )


def _workbook(change: Any) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Indicator", "Before", "After"])
    sheet.append(["Steam", 10, 8])
    change(workbook, sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _formula(text: str) -> Any:
    def change(workbook: Any, sheet: Any) -> None:
        sheet["D2"] = text

    return change


def _header_footer(workbook: Any, sheet: Any) -> None:
    sheet.oddHeader.center.text = "Energy audit"
    sheet.evenFooter.left.text = "Prepared for Acme Wid&Bgets&B Ltd."


def _comment(workbook: Any, sheet: Any) -> None:
    from openpyxl.comments import Comment

    sheet["A2"].comment = Comment(
        "Figures confirmed by the plant manager of ACME widgets ltd", "Auditor"
    )


def _property(name: str) -> Any:
    def change(workbook: Any, sheet: Any) -> None:
        setattr(workbook.properties, name, "Audit for Acme Widgets Ltd.")

    return change


def _custom_property(workbook: Any, sheet: Any) -> None:
    from openpyxl.packaging.custom import StringProperty

    workbook.custom_doc_props.append(StringProperty(name="Client", value="acme-widgets-ltd"))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_formula('="Acme Widgets Ltd."'), id="formula"),
        pytest.param(_formula('="Acme Wid"&"gets Ltd."'), id="concatenation"),
        pytest.param(_formula('="Acme Wid"&LEFT("gets Ltd.",4)'), id="literals-joined"),
        pytest.param(_header_footer, id="footer"),
        pytest.param(_comment, id="comment"),
        *(
            pytest.param(_property(name), id=name)
            for name in (
                "keywords",
                "category",
                "identifier",
                "language",
                "version",
                "contentStatus",
            )
        ),
        pytest.param(_custom_property, id="custom-property"),
    ],
)
def test_an_xlsx_naming_the_enterprise_outside_its_cells_values_is_found(
    tenancy, change: Any
) -> None:
    """openpyxl writes a formula without a cached value: read with the cached values only, the
    cell is empty."""
    content = _workbook(change)
    assert _search(content, name_search.XLSX) == NameCheck.IN_CONTENT
    case = make_case(tenancy.member_a, enterprise_name=ACME)
    _assert_kept_network_only(
        _attach(tenancy, case, "figures.xlsx", content, visibility="public"), NameCheck.IN_CONTENT
    )


def test_an_xlsx_with_formulas_headers_comments_and_properties_without_the_name_is_clear() -> None:
    def change(workbook: Any, sheet: Any) -> None:
        from openpyxl.comments import Comment

        sheet["D2"] = '="Steam "&"saved"'
        sheet["E2"] = "=B2-C2"
        sheet.oddHeader.center.text = "&BEnergy audit&B, page &P"
        sheet["A2"].comment = Comment("Measured in 2014", "Auditor")
        workbook.properties.keywords = "steam; condensate"

    assert _search(_workbook(change), name_search.XLSX) == NameCheck.CLEAR


def test_the_formulas_of_a_workbook_count_against_the_cell_limit_once(settings) -> None:
    settings.ATTACHMENT_CHECK_MAX_CELLS = 6  # two rows of three
    content = _workbook(lambda workbook, sheet: None)
    assert _search(content, name_search.XLSX) == NameCheck.CLEAR
    content = _workbook(_formula("=B2-C2"))  # a fourth column
    assert _search(content, name_search.XLSX) == NameCheck.UNCHECKED


def test_a_pdf_form_field_naming_the_enterprise_is_found(tenancy) -> None:
    field = b"<< /FT /Tx /T (client) /V (Acme Widgets Ltd.) /Subtype /Widget /Rect [0 0 0 0] >>"
    pdf = pdf_with_pages("Energy audit", extra=[field], catalog="/AcroForm << /Fields [6 0 R] >> ")
    assert PdfReader(io.BytesIO(pdf)).get_fields()
    assert _search(pdf, name_search.PDF) == NameCheck.IN_CONTENT
    case = make_case(tenancy.member_a, enterprise_name=ACME)
    assert _attach(tenancy, case, "audit.pdf", pdf).name_check == NameCheck.IN_CONTENT


@pytest.mark.parametrize(
    "annotation",
    [
        b"<< /Type /Annot /Subtype /Text /Rect [0 0 9 9] /Contents (Client: ACME WIDGETS LTD.) >>",
        b"<< /Type /Annot /Subtype /Text /Rect [0 0 9 9] /Contents (ok) /T (acme widgets ltd) >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
        b"/A << /S /URI /URI (https://acme-widgets-ltd.example/) >> >>",
    ],
    ids=["contents", "author", "link"],
)
def test_a_pdf_annotation_naming_the_enterprise_is_found(annotation: bytes) -> None:
    pdf = pdf_with_pages("Energy audit", extra=[annotation], page_entries="/Annots [6 0 R] ")
    assert _search(pdf, name_search.PDF) == NameCheck.IN_CONTENT
    clean = pdf_with_pages(
        "Energy audit",
        extra=[b"<< /Type /Annot /Subtype /Text /Rect [0 0 9 9] /Contents (Check) >>"],
        page_entries="/Annots [6 0 R] ",
    )
    assert _search(clean, name_search.PDF) == NameCheck.CLEAR


def test_a_pdf_whose_pages_have_no_text_is_not_checked(tenancy) -> None:
    """A scan: what its pages show cannot be read, so it is not clear."""
    scan = pdf_with_pages("", "  ")
    assert _search(scan, name_search.PDF) == NameCheck.UNCHECKED
    case = make_case(tenancy.member_a, enterprise_name=ACME)
    _assert_kept_network_only(
        _attach(tenancy, case, "scan.pdf", scan, visibility="public"), NameCheck.UNCHECKED
    )
    # The name found outside the pages is still found.
    named = pdf_with_pages("", extra=[b"<< /Title (Acme Widgets Ltd.) >>"], trailer="/Info 6 0 R ")
    assert _search(named, name_search.PDF) == NameCheck.IN_CONTENT
    # One page with text is enough.
    assert _search(pdf_with_pages("", "Energy audit"), name_search.PDF) == NameCheck.CLEAR


@pytest.mark.parametrize(
    ("enterprise", "searched"),
    [
        ("Acme Widgets Ltd.", "ACMEWIDGETS"),
        ("Acme Widgets, Limited", "ACMEWIDGETS"),
        ("Acme Widgets Co. Ltd", "ACMEWIDGETS"),
        ("Acme Widgets Pvt. Ltd", "ACMEWIDGETS"),
        ("Lácteos del Valle S.A. de C.V.", "LACTEOSDELVALLE"),
        ("Lácteos del Valle, s. a.", "LACTEOSDELVALLE"),
        ("Nordic Paper A/S", "NORDICPAPER"),
        ("Cerámica Andina Cía. Ltda.", "CERAMICAANDINA"),
        ("PT Kertas Tbk", "PTKERTAS"),
        ("Kitumbe Tea Company", "KITUMBETEA"),
        # Not a legal form: part of a word, or the whole name.
        ("Hansab", "HANSAB"),
        ("Acme Widgetsltd", "ACMEWIDGETSLTD"),
        ("Limited", "LIMITED"),
        # Fewer than three letters would remain.
        ("AB Ltd", "ABLTD"),
        ("3M Co.", "3MCO"),
    ],
)
def test_the_name_is_searched_for_without_its_legal_form(enterprise: str, searched: str) -> None:
    assert name_search.searched_name(enterprise) == name_search.normalise(searched)


def test_a_file_naming_the_enterprise_without_its_legal_form_cannot_be_public(tenancy) -> None:
    case = make_case(tenancy.member_a, enterprise_name=ACME)
    pdf = pdf_with_pages("Energy audit of the ACME  WIDGETS plant")
    assert _search(pdf, name_search.PDF) == NameCheck.IN_CONTENT
    _assert_kept_network_only(_attach(tenancy, case, "audit.pdf", pdf, visibility="public"))
    named = _attach(tenancy, case, "acme-widgets audit.png", PNG)
    assert named.name_check == NameCheck.IN_FILENAME
    workbook = _workbook(lambda workbook, sheet: sheet.append(["Acme Widgets", 1, 2]))
    assert _search(workbook, name_search.XLSX) == NameCheck.IN_CONTENT
    clean = _attach(tenancy, case, "audit.pdf", pdf_with_pages("Energy audit"), visibility="public")
    assert clean.visibility == Visibility.PUBLIC


def test_names_shorter_than_three_letters_are_not_searched_for() -> None:
    for name in ("", "A.B", " x "):
        found = name_search.search(
            enterprise_name=name, filename="ab-report.pdf", content_type="image/png", stream=None
        )
        assert found == NameCheck.CLEAR, name
    assert (
        name_search.search(
            enterprise_name="ABC", filename="abc.png", content_type="image/png", stream=None
        )
        == NameCheck.IN_FILENAME
    )


# --- the property ---------------------------------------------------------------------------

ACCENTS = ("\u0301", "\u0300", "\u0302", "\u0308", "\u0303", "\u0327")
# Letters of any script whose capital is one letter (not "ᾳ", whose capital "ΑΙ" turns its
# accent, the iota subscript, into a letter of its own).
LETTER = st.characters(codec="utf-8", categories=("Lu", "Ll")).filter(lambda c: len(c.upper()) == 1)
SEPARATOR = st.sampled_from(["", "", " ", "  ", "\t", "-", "_", "."])


@st.composite
def disguised(draw: Any, name: str) -> str:
    """``name`` with each letter's case changed or kept, accents added to or taken from it,
    and spaces (or the dashes and underscores of stored file names) between the letters."""
    out = []
    for letter in name:
        base = "".join(
            c for c in unicodedata.normalize("NFD", letter) if not unicodedata.combining(c)
        )
        shown = draw(st.sampled_from([letter, base or letter]))
        shown = draw(st.sampled_from([shown, shown.upper(), shown.lower()]))
        if draw(st.booleans()):
            shown += draw(st.sampled_from(ACCENTS))
        out.append(unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), shown))
        out.append(draw(SEPARATOR))
    return "".join(out)


@hsettings(max_examples=300, deadline=None)
@given(data=st.data(), name=st.text(LETTER, min_size=3, max_size=20))
def test_a_file_name_built_around_the_enterprise_name_is_flagged(data: Any, name: str) -> None:
    before = data.draw(st.text(max_size=10), label="before")
    after = data.draw(st.text(max_size=10), label="after")
    filename = before + data.draw(disguised(name), label="disguised") + after + ".pdf"
    found = name_search.search(
        enterprise_name=name, filename=filename, content_type="application/pdf", stream=None
    )
    assert found == NameCheck.IN_FILENAME


# Text around the name as an upload's name may have it (a path separator would cut it off).
AROUND = st.text(st.characters(codec="utf-8", exclude_characters="/\\"), max_size=10)


@hsettings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), name=st.text(LETTER, min_size=3, max_size=20))
def test_a_file_uploaded_under_a_name_built_around_the_enterprise_name_is_flagged(
    tenancy, data: Any, name: str
) -> None:
    """As above, through the upload: the stored name, sanitised to ASCII, may have lost the
    name's letters; the name it was uploaded under has not."""
    case = make_case(tenancy.member_a, enterprise_name=name)
    upload_name = (
        data.draw(AROUND, label="before")
        + data.draw(disguised(name), label="disguised")
        + data.draw(AROUND, label="after")
        + ".png"
    )
    attachment = _attach(tenancy, case, upload_name, PNG)
    assert attachment.name_check == NameCheck.IN_FILENAME
    assert not attachment.may_be_public
