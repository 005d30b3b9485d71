"""Bulk import (all or nothing, rows named), the background path, and the demo loader."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge.demo.cases import load_cases_demo
from knowledge.demo.data import CASES
from knowledge.evidence.imports import COLUMN_NAMES
from knowledge.evidence.services import cases as services
from knowledge.models import Case, CaseImportJob, ExchangeRate, ReviewStatus, Transition
from tests import factories

pytestmark = pytest.mark.django_db

GOOD = {
    "title": "Imported case",
    "enterprise_name": "Hidden Co",
    "country": "KE",
    "sector": "C10",
    "enterprise_size": "small",
    "year": "2014",
    "themes": "water;energy_efficiency",
    "methodology": "cp_assessment",
    "summary": "Imported.",
    "options_identified": "4",
    "options_implemented": "2",
    "water_saved_value": "1,500",
    "water_saved_unit": "m3",
}


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMN_NAMES)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def test_one_bad_row_imports_nothing_and_names_the_row(client, tenancy) -> None:
    rows = [
        GOOD,
        {**GOOD, "title": "Second"},
        {**GOOD, "options_implemented": "9", "water_saved_unit": "kWh"},
        {**GOOD, "sector": "Z"},
    ]
    client.force_login(tenancy.staff_a)
    upload = SimpleUploadedFile("cases.csv", _csv(rows), "text/csv")
    response = client.post(
        reverse("knowledge:case-import", args=["kncpc"]), {"file": upload}, follow=True
    )
    assert not Case.objects.exists()
    job = CaseImportJob.objects.get()
    assert job.state == "failed"
    found = {(e["row"], e["field"]) for e in job.errors}
    assert found == {(4, "options_implemented"), (4, "impacts"), (5, "sector")}
    page = response.content.decode()
    assert "Nothing was imported" in page and "options_implemented" in page


def test_good_csv_and_xlsx_import_as_drafts(client, tenancy) -> None:
    from openpyxl import Workbook

    client.force_login(tenancy.staff_a)
    url = reverse("knowledge:case-import", args=["kncpc"])
    client.post(url, {"file": SimpleUploadedFile("a.csv", _csv([GOOD, GOOD]))})
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMN_NAMES)
    sheet.append([GOOD.get(c, "") for c in COLUMN_NAMES])
    data = io.BytesIO()
    book.save(data)
    client.post(url, {"file": SimpleUploadedFile("b.xlsx", data.getvalue())})
    assert Case.objects.filter(status=ReviewStatus.DRAFT, member=tenancy.member_a).count() == 3
    case = Case.objects.first()
    assert case.themes == ["energy_efficiency", "water"]  # a set, in the catalogue's order
    assert case.impacts.get().value_stored == 1500


def test_template_downloads_parse_back(client) -> None:
    from knowledge.evidence.imports import parse_rows

    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("knowledge:case-import-template", args=[fmt]))
        rows = parse_rows(filename=f"t.{fmt}", content=response.content)
        assert rows[0].number == 2 and rows[0].values["country"] == "RS"


def test_large_import_runs_as_a_task_with_progress(tenancy, django_capture_on_commit_callbacks):
    rows = [{**GOOD, "title": f"Case {n}"} for n in range(services.IMPORT_ASYNC_ROWS + 5)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.case_import_start(
            actor=tenancy.staff_a, member=tenancy.member_a, filename="big.csv", content=_csv(rows)
        )
    assert job.state == "pending" and job.total == len(rows) and len(callbacks) == 1
    from knowledge.evidence.tasks import run_case_import

    run_case_import.apply(args=[job.pk])  # what the worker runs (callbacks[0] enqueues it)
    job.refresh_from_db()
    assert job.state == "done" and job.processed == job.total and job.created == len(rows)
    again = services.case_import_run(job_id=job.pk)  # a re-delivered task does nothing
    assert again.created == len(rows)
    assert Case.objects.count() == len(rows)


def test_import_for_another_member_is_refused(client, tenancy) -> None:
    """403 for a member one sees (member B is active), 404 for one one may not see."""
    client.force_login(tenancy.staff_a)
    url = reverse("knowledge:case-import", args=[tenancy.member_b.slug])
    assert client.post(url, {"file": SimpleUploadedFile("a.csv", _csv([GOOD]))}).status_code == 403
    tenancy.member_b.status = "suspended"
    tenancy.member_b.save(update_fields=["status"])
    assert client.post(url, {"file": SimpleUploadedFile("a.csv", _csv([GOOD]))}).status_code == 404
    assert not CaseImportJob.objects.exists()


def test_demo_loader_is_idempotent_and_approves_through_the_workflow(db) -> None:
    for code in ("RS", "IN"):
        factories.MemberFactory(country=factories.country(code), slug=f"ncpc-{code.lower()}")
    first = load_cases_demo()
    expected = sum(1 for c in CASES if c["member_country"] in ("RS", "IN"))
    assert first["loaded"] == expected > 0
    assert load_cases_demo()["loaded"] == 0
    assert ExchangeRate.objects.filter(currency="EUR", year=2010).exists()
    milos = Case.objects.get(enterprise_name="Knjaz Milos")
    assert milos.status == ReviewStatus.APPROVED
    assert milos.annual_savings_currency == "EUR" and milos.annual_savings_usd is not None
    assert {i.indicator.code: i.value_stored for i in milos.impacts.all()} == {
        "water_saved": Decimal("1500"),
        "materials_saved": Decimal("1.8"),
    }
    actions = list(Transition.objects.filter(object_id=milos.pk).values_list("action", flat=True))
    assert actions == ["submit", "approve"]
