"""Case pages: library visibility and facets, case page, member list, queue, import, export,
attachments, history; pinned query counts on the library and the queue."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledge.evidence.services import cases as services
from knowledge.models import Case, CaseAttachment, ReviewStatus
from tests.knowledge.cases.helpers import PDF, make_case

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_library_public_network_and_no_enterprise_names(client, tenancy) -> None:
    public = make_case(tenancy.member_a, status=ReviewStatus.APPROVED, title="Public dairy")
    make_case(
        tenancy.member_b, status=ReviewStatus.APPROVED, title="Network hotel", visibility="network"
    )
    make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED, title="Pending")
    page = client.get(reverse("knowledge:case-library")).content.decode()
    assert "Public dairy" in page and "Network hotel" not in page and "Pending" not in page
    detail = client.get(reverse("knowledge:case-detail", args=[public.public_id])).content.decode()
    assert "Secret Dairy" not in detail
    assert str(public.public_id) in detail  # the permalink in "cite this"
    for fmt in ("csv", "json", "xlsx"):
        body = client.get(reverse("knowledge:case-export", args=[fmt])).content
        assert b"Public dairy" in body or fmt == "xlsx"
        assert b"Secret Dairy" not in body and b"enterprise_name" not in body
    client.force_login(tenancy.staff_b)
    page = client.get(reverse("knowledge:case-library")).content.decode()
    assert "Network hotel" in page
    detail = client.get(reverse("knowledge:case-detail", args=[public.public_id])).content.decode()
    assert "Secret Dairy" in detail
    rows = json.loads(client.get(reverse("knowledge:case-export", args=["json"])).content)
    assert {r["title"] for r in rows} == {"Public dairy", "Network hotel"}
    assert rows[0]["enterprise_name"]


def test_library_facets_and_search(client, tenancy) -> None:
    make_case(
        tenancy.member_a,
        status=ReviewStatus.APPROVED,
        title="Boiler retrofit",
        summary="Condensate recovery",
        themes=["energy_efficiency"],
        sector="C10",
    )
    make_case(
        tenancy.member_b,
        status=ReviewStatus.APPROVED,
        title="Hotel water",
        summary="Low-flow fittings",
        themes=["water"],
        sector="I55",
        year=2012,
        enterprise_size="small",
        methodology="test",
    )
    url = reverse("knowledge:case-library")

    def titles(query: str) -> set[str]:
        return {c.title for c in client.get(url + query).context["page"]}

    assert titles("?q=condensate") == {"Boiler retrofit"}
    assert titles("?chapter=africa") == {"Boiler retrofit"}
    assert titles("?country=CO") == {"Hotel water"}
    assert titles("?sector=I") == {"Hotel water"}
    assert titles("?enterprise_size=small") == {"Hotel water"}
    assert titles("?theme=energy_efficiency") == {"Boiler retrofit"}
    assert titles("?methodology=test") == {"Hotel water"}
    assert titles("?year=2012") == {"Hotel water"}


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_library_query_count_is_pinned(client, tenancy) -> None:
    url = reverse("knowledge:case-library")
    for _ in range(3):
        make_case(tenancy.member_a, status=ReviewStatus.APPROVED)
    # 1 count of the page, 2 the page's cases with member and country,
    # 3 chapters for the facet, 4 countries having approved cases.
    assert _count(client, url) == 4
    for _ in range(10):
        make_case(tenancy.member_b, status=ReviewStatus.APPROVED)
    assert _count(client, url) == 4
    client.force_login(tenancy.staff_a)
    first = _count(client, url)
    make_case(tenancy.member_b, status=ReviewStatus.APPROVED)
    # Logged in adds the session, the user, the roles (memberships, chapters) and the
    # network check — the same number however many cases.
    assert _count(client, url) == first <= 14


def test_queue_query_count_is_pinned_and_scoped(client, tenancy) -> None:
    url = reverse("knowledge:case-queue")
    client.force_login(tenancy.coordinator_a)
    for _ in range(2):
        make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED)
    make_case(tenancy.member_b, status=ReviewStatus.SUBMITTED, title="Other chapter")
    first = _count(client, url)
    for _ in range(8):
        make_case(
            tenancy.member_a,
            status=ReviewStatus.SUBMITTED,
            investment_usd=10,
            annual_savings_usd=10_000,
        )
    assert _count(client, url) == first
    response = client.get(url)
    assert len(response.context["rows"]) == 10
    assert response.context["counts"]["submitted"] == 10
    assert "Other chapter" not in response.content.decode()
    assert "Payback under one week" in response.content.decode()
    client.force_login(tenancy.secretariat)
    assert len(client.get(url).context["rows"]) == 11
    client.force_login(tenancy.staff_a)
    assert client.get(url).status_code == 403


def test_member_page_shows_the_return_comment(client, tenancy) -> None:
    case = make_case(tenancy.member_a, title="Needs a fix")
    services.case_submit(actor=tenancy.staff_a, case=case)
    services.case_return(actor=tenancy.coordinator_a, case=case, comment="Give the baseline year.")
    client.force_login(tenancy.staff_a)
    page = client.get(reverse("knowledge:member-cases", args=["kncpc"])).content.decode()
    assert "Give the baseline year." in page
    detail = client.get(reverse("knowledge:case-detail", args=[case.public_id])).content.decode()
    assert "Give the baseline year." in detail
    client.force_login(tenancy.secretariat)
    make_case(tenancy.member_a, title="Hidden draft")
    page = client.get(reverse("knowledge:member-cases", args=["kncpc"])).content.decode()
    assert "Hidden draft" not in page and "Needs a fix" in page


def test_form_create_edit_and_lock(client, tenancy) -> None:
    client.force_login(tenancy.staff_a)
    data = {
        "title": "Form case",
        "enterprise_name": "ACME",
        "country": "KE",
        "sector": "C10",
        "enterprise_size": "small",
        "year": "2014",
        "themes": ["water"],
        "methodology": "cp_assessment",
        "summary": "Text.",
        "enterprises": "1",
        "visibility": "public",
        "licence": "CC BY 4.0",
        "impact_water_saved_value": "1500",
        "impact_water_saved_unit": "m3",
        "impact_energy_saved_value": "3",
        "impact_energy_saved_unit": "L",
    }
    response = client.post(reverse("knowledge:case-new", args=["kncpc"]), data)
    assert response.status_code == 400  # L is not an energy unit: not even offered
    assert "Select a valid choice" in response.content.decode()
    data["impact_energy_saved_unit"] = "kWh"
    response = client.post(reverse("knowledge:case-new", args=["kncpc"]), data)
    assert response.status_code == 302
    case = Case.objects.get(title="Form case")
    edit = reverse("knowledge:case-edit", args=[case.public_id])
    assert client.post(edit, {**data, "title": "Edited"}).status_code == 302
    case.refresh_from_db()
    assert case.title == "Edited" and case.impacts.count() == 2
    services.case_submit(actor=tenancy.staff_a, case=case)
    services.case_approve(actor=tenancy.coordinator_a, case=case)
    response = client.get(edit, follow=True)
    assert "locked" in response.content.decode()


def test_approve_twice_in_pages_shows_a_clear_message(client, tenancy) -> None:
    case = make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED)
    url = reverse("knowledge:case-action", args=[case.public_id, "approve"])
    client.force_login(tenancy.coordinator_a)
    client.post(url)
    client.force_login(tenancy.secretariat)
    page = client.post(url, follow=True).content.decode()
    assert "cannot be approved" in page


def test_attachments_checked_by_content(client, tenancy, settings) -> None:
    case = make_case(tenancy.member_a)
    attach = reverse("knowledge:case-attach", args=[case.public_id])
    client.force_login(tenancy.staff_a)
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    page = client.post(attach, {"file": fake}, follow=True).content.decode()
    assert "checked by its content" in page
    png_named_pdf = SimpleUploadedFile("../../évil name.pdf", PNG, "application/pdf")
    client.post(attach, {"file": png_named_pdf})
    client.post(attach, {"file": SimpleUploadedFile("r.pdf", PDF, "application/pdf")})
    xlsx = io.BytesIO()
    from openpyxl import Workbook

    Workbook().save(xlsx)
    client.post(attach, {"file": SimpleUploadedFile("data.bin", xlsx.getvalue())})
    names = sorted(CaseAttachment.objects.values_list("filename", flat=True))
    assert names == ["data.xlsx", "evil-name.png", "r.pdf"]
    settings.ATTACHMENT_MAX_BYTES = 10
    page = client.post(attach, {"file": SimpleUploadedFile("r.pdf", PDF)}, follow=True)
    assert "larger than" in page.content.decode()
    pdf = CaseAttachment.objects.get(filename="r.pdf")
    url = reverse("knowledge:case-attachment", args=[case.public_id, pdf.public_id])
    response = client.get(url)
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    for user in (tenancy.staff_b, tenancy.coordinator_a, tenancy.secretariat):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_history_lists_changes_for_the_secretariat(client, tenancy) -> None:
    client.force_login(tenancy.secretariat)
    client.post(
        reverse("knowledge:catalogue"),
        {"currency": "eur", "year": 2014, "usd_per_unit": "1.3285", "source": "IMF"},
    )
    case = make_case(tenancy.member_a, title="Tracked", status=ReviewStatus.SUBMITTED)
    case.title = "Tracked again"
    case.save()
    make_case(tenancy.member_b, title="A draft of another tenant")
    page = client.get(reverse("knowledge:case-history")).content.decode()
    assert "EUR 2014" in page
    assert "Tracked again" in page
    assert "title: Tracked → Tracked again" in page
    # The secretariat sees everything except members' drafts.
    assert "A draft of another tenant" not in page
    client.force_login(tenancy.staff_a)
    assert (
        client.post(
            reverse("knowledge:catalogue"), {"currency": "GBP", "year": 2014, "usd_per_unit": "1.6"}
        ).status_code
        == 403
    )
