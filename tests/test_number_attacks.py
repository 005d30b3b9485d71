"""Replays of the attacks found by looking at the portal from outside, each on the path where
it worked: numbers that changed silently or crashed, and saves that wrote history unchanged."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from chapters.models import Chapter
from knowledge.catalogue import services as catalogue_services
from knowledge.evidence.imports import COLUMN_NAMES, ImportFileError, parse_rows, template_rows
from knowledge.models import Case, CaseImportJob, ExchangeRate
from recpnet import bounds
from tests.fuzz.test_forms import CASE_BASE

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_exponent_below_the_decimal_context_is_refused_not_a_500(tenancy):
    # Decimal("1E-1000030").normalize() is 0 under the default context: it used to pass the
    # decimal-places check and overflow PostgreSQL's numeric.
    assert bounds.decimal_places(Decimal("1E-1000030")) == 1000030
    places = {
        v: bounds.decimal_places(Decimal(v)) for v in ("0.000000", "20.500", "1.5E+6", "0E-9")
    }
    assert places == {"0.000000": 0, "20.500": 1, "1.5E+6": 0, "0E-9": 0}
    with pytest.raises(ValidationError, match="decimal places"):
        bounds.parse_decimal(Decimal("1E-1000030"), field="value")
    response = _client(tenancy.staff_a).post(
        reverse("knowledge:case-new", kwargs={"slug": tenancy.member_a.slug}),
        {**CASE_BASE, "impact_energy_saved_value": "1e-1000030", "impact_energy_saved_unit": "MWh"},
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


@pytest.mark.postgres  # SQLite stores decimals as binary floats: 15-16 significant digits
def test_json_numbers_are_read_exactly(tenancy):
    """A JSON number was read as a binary float: 99999999999.999999 became 100000000000."""
    api = APIClient()
    api.force_authenticate(tenancy.staff_a)
    body = {
        "member": tenancy.member_a.slug,
        "title": "T",
        "country": "KE",
        "sector": "C10",
        "enterprise_size": "small",
        "year": 2015,
        "methodology": "cp_assessment",
        "summary": "S",
    }
    exact = '{"indicator": "energy_saved", "value": 99999999999.999999, "unit": "kWh"}'
    raw = '{{"impacts": [{}], {}}}'.format(exact, str(body)[1:-1].replace("'", '"'))
    response = api.post("/api/v1/cases/", raw, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["impacts"][0]["value"] == "99999999999.999999"
    tiny = raw.replace("99999999999.999999", "1e-999999999")
    response = api.post("/api/v1/cases/", tiny, content_type="application/json")
    assert response.status_code == 400
    assert "impacts" in response.json()["error"]["fields"]


def _import(client: Client, member: Any, row: dict[str, str]) -> CaseImportJob:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMN_NAMES)
    writer.writerow([row.get(name, "") for name in COLUMN_NAMES])
    upload = SimpleUploadedFile("cases.csv", out.getvalue().encode(), "text/csv")
    client.post(reverse("knowledge:case-import", kwargs={"slug": member.slug}), {"file": upload})
    return CaseImportJob.objects.filter(member=member).latest("created_at")


def test_import_counts_and_years_are_read_as_on_the_pages(tenancy):
    """The import read counts through float(): 2015.00000000000001 became 2015, 1e2 became
    100 and ٣ became 3, where the pages refuse them."""
    row = {
        **template_rows()[0],
        "country": "KE",
        "year": "2015.00000000000001",
        "options_identified": "2.9999999999999999",
        "options_implemented": "٣",
        "enterprises": "1e2",
    }
    job = _import(_client(tenancy.staff_a), tenancy.member_a, row)
    assert job.state == "failed"
    fields = {e["field"] for e in job.errors}
    assert {"year", "options_identified", "options_implemented", "enterprises"} <= fields
    assert not Case.objects.exists()


def test_a_nul_in_an_import_names_its_row_and_column(tenancy):
    row = {**template_rows()[0], "country": "KE", "title": "Boiler\x00retrofit"}
    content = io.StringIO()
    csv.writer(content).writerows([COLUMN_NAMES, [row.get(n, "") for n in COLUMN_NAMES]])
    with pytest.raises(ImportFileError, match=r"Row 2, column 1 contains a NUL"):
        parse_rows(filename="a.csv", content=content.getvalue().encode())
    upload = SimpleUploadedFile("cases.csv", content.getvalue().encode(), "text/csv")
    response = _client(tenancy.staff_a).post(
        reverse("knowledge:case-import", kwargs={"slug": tenancy.member_a.slug}), {"file": upload}
    )
    assert "Row 2, column 1 contains a NUL character" in response.content.decode()
    assert not Case.objects.exists()


def test_small_spreadsheet_numbers_are_read_in_plain_digits():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(COLUMN_NAMES)
    values = {**template_rows()[0], "energy_saved_value": 0.00001, "energy_saved_unit": "MWh"}
    sheet.append([values.get(name, "") for name in COLUMN_NAMES])
    data = io.BytesIO()
    book.save(data)
    (row,) = parse_rows(filename="a.xlsx", content=data.getvalue())
    assert row.values["energy_saved_value"] == "0.00001"


def test_a_chapter_saved_unchanged_writes_no_history(tenancy):
    chapter = Chapter.objects.get(slug="africa")
    history = chapter.history.count()
    url = reverse("chapters:edit", args=[chapter.slug])
    response = _client(tenancy.secretariat).post(
        url,
        {"name": chapter.name, "description": chapter.description, "position": chapter.position},
    )
    assert response.status_code == 302
    assert chapter.history.count() == history


@pytest.mark.parametrize(
    ("currency", "rate", "field"),
    [("USD", "1.1", "currency"), ("EUR", "0", "usd_per_unit"), ("EUR", "-0", "usd_per_unit")],
)
def test_meaningless_exchange_rates_are_refused_naming_the_field(tenancy, currency, rate, field):
    with pytest.raises(ValidationError) as exc:
        catalogue_services.exchange_rate_save(
            actor=tenancy.secretariat,
            currency=currency,
            year=2015,
            usd_per_unit=Decimal(rate),
            source="Test",
        )
    assert list(exc.value.message_dict) == [field]
    assert not ExchangeRate.objects.filter(year=2015).exists()
