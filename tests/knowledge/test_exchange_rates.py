"""Exchange rates that help: a draft in a currency without a rate is saved with one warning,
submission reports the missing rate once, the secretariat sees which rates items wait for, a
rate far from the nearest year's needs confirmation, and every rate says where it comes from."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from knowledge.catalogue import services as rate_services
from knowledge.catalogue import units
from knowledge.demo.data import EXCHANGE_RATE_SOURCE
from knowledge.evidence.selectors.cases import missing_exchange_rates
from knowledge.evidence.services import cases as services
from knowledge.evidence.services import reports as report_services
from knowledge.models import AnnualReport, Case, ExchangeRate, ReviewStatus
from tests.knowledge.cases.helpers import make_case

pytestmark = pytest.mark.django_db

MISSING_EUR = units.missing_rate_message(currency="EUR", year=2014)
WARNING_EUR = units.missing_rates_warning([("EUR", 2014)])
assert WARNING_EUR is not None

CASE_FORM = {
    "title": "Boiler tuning",
    "enterprise_name": "ACME",
    "country": "KE",
    "sector": "C10",
    "enterprise_size": "small",
    "year": "2014",
    "themes": ["energy_efficiency"],
    "methodology": "cp_assessment",
    "summary": "Tuned the boiler.",
    "enterprises": "1",
    "visibility": "public",
    "licence": "CC BY 4.0",
    # Both amounts in one currency: the missing rate must still be said once.
    "investment_amount": "1000",
    "investment_currency": "EUR",
    "annual_savings_amount": "400",
    "annual_savings_currency": "EUR",
}
CASE_API = {
    "member": "kncpc",
    "title": "Boiler tuning",
    "enterprise_name": "ACME",
    "country": "KE",
    "sector": "C10",
    "enterprise_size": "small",
    "year": 2014,
    "themes": ["energy_efficiency"],
    "methodology": "cp_assessment",
    "summary": "Tuned the boiler.",
    "investment": {"amount": "1000", "currency": "EUR"},
    "annual_savings": {"amount": "400", "currency": "EUR"},
    "impacts": [],
    "visibility": "public",
}
REPORT_MONEY = [
    {"indicator": "investment", "value": "1000", "unit": "EUR"},
    {"indicator": "annual_savings", "value": "400", "unit": "EUR"},
]


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _rate(currency: str, year: int, value: str, source: str = "Test value") -> ExchangeRate:
    return ExchangeRate.objects.create(
        currency=currency, year=year, usd_per_unit=Decimal(value), source=source
    )


# --- 1. the draft is saved with one warning; submission says the missing rate once ----------


def test_case_page_draft_saves_with_one_warning_and_submit_errs_once(client, tenancy) -> None:
    client.force_login(tenancy.staff_a)
    response = client.post(reverse("knowledge:case-new", args=["kncpc"]), CASE_FORM, follow=True)
    case = Case.objects.get(title="Boiler tuning")
    assert case.status == ReviewStatus.DRAFT
    assert case.investment_usd is None and case.annual_savings_usd is None
    assert _messages(response) == [WARNING_EUR]
    page = response.content.decode()
    assert page.count("no exchange rate yet for EUR 2014") == 1
    assert "Draft saved." not in page  # the warning replaces the plain confirmation

    # Editing keeps warning, once.
    edit = reverse("knowledge:case-edit", args=[case.public_id])
    response = client.post(edit, {**CASE_FORM, "title": "Boiler tuning 2"}, follow=True)
    assert _messages(response) == [WARNING_EUR]

    submit = reverse("knowledge:case-action", args=[case.public_id, "submit"])
    response = client.post(submit, follow=True)
    assert _messages(response) == [MISSING_EUR]
    assert response.content.decode().count("No exchange rate for EUR in 2014") == 1
    case.refresh_from_db()
    assert case.status == ReviewStatus.DRAFT

    # With the rate, the save is a plain confirmation and the submission goes through.
    _rate("EUR", 2014, "1.3285")
    response = client.post(edit, {**CASE_FORM, "title": "Boiler tuning 3"}, follow=True)
    assert _messages(response) == ["Changes saved."]
    response = client.post(submit, follow=True)
    case.refresh_from_db()
    assert case.status == ReviewStatus.SUBMITTED
    assert case.investment_usd == Decimal("1328.50")


def test_case_service_submit_error_is_one_per_missing_rate(tenancy) -> None:
    case = make_case(
        tenancy.member_a,
        investment_amount=Decimal(1000),
        investment_currency="EUR",
        annual_savings_amount=Decimal(400),
        annual_savings_currency="EUR",
    )
    with pytest.raises(ValidationError) as exc:
        services.case_submit(actor=tenancy.staff_a, case=case)
    assert exc.value.messages == [MISSING_EUR]
    assert exc.value.message_dict == {"investment_currency": [MISSING_EUR]}


def test_case_api_draft_warns_once_and_submit_errs_once(tenancy) -> None:
    staff = _api(tenancy.staff_a)
    response = staff.post("/api/v1/cases/", CASE_API, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["warnings"] == [WARNING_EUR]
    assert body["investment"]["currency"] == "EUR"  # the documented fields are intact
    assert body["status"] == ReviewStatus.DRAFT

    response = staff.patch(f"/api/v1/cases/{body['id']}/", {"title": "New"}, format="json")
    assert response.status_code == 200
    assert response.json()["warnings"] == [WARNING_EUR]

    response = staff.post(f"/api/v1/cases/{body['id']}/submit/")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert sum(messages.count(MISSING_EUR) for messages in fields.values()) == 1

    _rate("EUR", 2014, "1.3285")
    response = staff.patch(f"/api/v1/cases/{body['id']}/", {"title": "Newer"}, format="json")
    assert response.json()["warnings"] == []


def test_case_in_usd_has_no_warning(tenancy) -> None:
    payload = {
        **CASE_API,
        "investment": {"amount": "1000", "currency": "USD"},
        "annual_savings": None,
    }
    body = _api(tenancy.staff_a).post("/api/v1/cases/", payload, format="json").json()
    assert body["warnings"] == []


def test_report_page_draft_saves_with_one_warning_and_submit_errs_once(client, tenancy) -> None:
    client.force_login(tenancy.staff_a)
    data = {
        "year": "2014",
        "impact_investment": "1000",
        "unit_investment": "EUR",
        "impact_annual_savings": "400",
        "unit_annual_savings": "EUR",
    }
    response = client.post(reverse("knowledge:report-new", args=["kncpc"]), data, follow=True)
    report = AnnualReport.objects.get(member=tenancy.member_a, year=2014)
    assert report.status == ReviewStatus.DRAFT
    assert [i.stored_value for i in report.impacts.all()] == [None, None]
    assert _messages(response) == [WARNING_EUR]
    page = response.content.decode()
    assert page.count("no exchange rate yet for EUR 2014") == 1
    # The page's list of what blocks submission names the missing rate once too.
    assert page.count("No exchange rate for EUR in 2014") == 1

    submit = reverse("knowledge:report-action", args=["kncpc", 2014, "submit"])
    response = client.post(submit, follow=True)
    assert len(_messages(response)) == 1
    assert response.content.decode().count("No exchange rate for EUR in 2014") == 1
    report.refresh_from_db()
    assert report.status == ReviewStatus.DRAFT

    # The rate added later: submission converts the figures at that rate.
    _rate("EUR", 2014, "1.3285")
    client.post(submit)
    report.refresh_from_db()
    assert report.status == ReviewStatus.SUBMITTED
    assert sorted(i.stored_value for i in report.impacts.all()) == [
        Decimal("531.400000"),
        Decimal("1328.500000"),
    ]


def test_report_api_draft_warns_once_and_submit_errs_once(tenancy) -> None:
    staff = _api(tenancy.staff_a)
    payload = {"member": "kncpc", "year": 2014, "impacts": REPORT_MONEY}
    response = staff.post("/api/v1/reports/", payload, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["warnings"] == [WARNING_EUR]
    assert {i["unit"] for i in body["impacts"]} == {"EUR"}
    response = staff.patch(
        f"/api/v1/reports/{body['id']}/", {"impacts": REPORT_MONEY[:1]}, format="json"
    )
    assert response.json()["warnings"] == [WARNING_EUR]
    response = staff.post(f"/api/v1/reports/{body['id']}/submit/")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert sum(messages.count(MISSING_EUR) for messages in fields.values()) == 1


# --- 2. the secretariat sees which rates items wait for ---------------------------------------


def test_missing_rates_are_counted_by_group(tenancy) -> None:
    t = tenancy
    _rate("GBP", 2014, "1.6")
    eur = {"investment_amount": Decimal(1), "investment_currency": "EUR"}
    # Two submitted cases need EUR 2014; one of them twice (both amounts): still one item.
    make_case(t.member_a, status=ReviewStatus.SUBMITTED, **eur)
    make_case(
        t.member_b,
        status=ReviewStatus.SUBMITTED,
        **eur,
        annual_savings_amount=Decimal(1),
        annual_savings_currency="EUR",
    )
    # Drafts and returned items form the other group.
    make_case(t.member_a, **eur)
    make_case(t.member_b, status=ReviewStatus.RETURNED, **eur)
    make_case(t.member_a, investment_amount=Decimal(1), investment_currency="XOF", year=2012)
    # Not waiting: a rate that exists, USD, an approved case.
    make_case(t.member_a, investment_amount=Decimal(1), investment_currency="GBP")
    make_case(t.member_a, investment_amount=Decimal(1), investment_currency="USD")
    make_case(t.member_a, status=ReviewStatus.APPROVED, **eur)
    report = report_services.report_create(
        member=t.member_a, year=2014, actor=t.staff_a, impacts=REPORT_MONEY
    )
    assert report.status == ReviewStatus.DRAFT

    missing = missing_exchange_rates(actor=t.secretariat)
    assert [(m.currency, m.year, m.cases, m.reports) for m in missing["submitted"]] == [
        ("EUR", 2014, 2, 0)
    ]
    assert [(m.currency, m.year, m.cases, m.reports, m.items) for m in missing["draft"]] == [
        ("EUR", 2014, 2, 1, 3),
        ("XOF", 2012, 1, 0, 1),
    ]
    for user in (t.staff_a, t.coordinator_a, t.outsider):
        with pytest.raises(PermissionDenied):
            missing_exchange_rates(actor=user)


def test_missing_rates_on_the_page_for_the_secretariat_only(client, tenancy) -> None:
    make_case(
        tenancy.member_a,
        status=ReviewStatus.SUBMITTED,
        investment_amount=Decimal(1),
        investment_currency="EUR",
    )
    client.force_login(tenancy.secretariat)
    page = client.get(reverse("knowledge:catalogue")).content.decode()
    assert 'data-testid="missing-submitted-EUR-2014"' in page
    assert "?currency=EUR&amp;year=2014#rate-form" in page
    # The link prefills the form.
    page = client.get(reverse("knowledge:catalogue") + "?currency=EUR&year=2014").content.decode()
    assert 'name="currency" value="EUR"' in page and 'name="year" value="2014"' in page
    for user in (tenancy.staff_a, tenancy.coordinator_a, tenancy.outsider, None):
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        page = client.get(reverse("knowledge:catalogue")).content.decode()
        assert "missing-submitted" not in page and "Rates that items are waiting for" not in page


# --- 3. a rate far from the nearest year's needs confirmation -------------------------------


def test_far_rate_needs_confirmation_in_the_service(tenancy) -> None:
    _rate("EUR", 2012, "1.2848")
    _rate("EUR", 2015, "1.1095")
    save = {"actor": tenancy.secretariat, "currency": "EUR", "source": "ECB"}
    with pytest.raises(rate_services.RateNeedsConfirmation) as exc:
        rate_services.exchange_rate_save(**save, year=2014, usd_per_unit=Decimal("13.285"))
    assert exc.value.nearest.year == 2015  # nearest year
    assert exc.value.deviation > Decimal("10")
    assert "confirm" in exc.value.message_dict
    assert not ExchangeRate.objects.filter(year=2014).exists()
    rate = rate_services.exchange_rate_save(
        **save, year=2014, usd_per_unit=Decimal("13.285"), confirm=True
    )
    assert rate.usd_per_unit == Decimal("13.285")
    # Changing a year's rate is judged against its current value: a correction of a tenfold
    # typo is confirmed once, and "1,3257" typed over 1.3257 cannot become 13257 unasked.
    with pytest.raises(rate_services.RateNeedsConfirmation) as exc:
        rate_services.exchange_rate_save(**save, year=2014, usd_per_unit=Decimal("1.3285"))
    assert exc.value.nearest.year == 2014
    rate_services.exchange_rate_save(
        **save, year=2014, usd_per_unit=Decimal("1.3285"), confirm=True
    )
    # Within 50 %: no question; the first rate of a currency: nothing to compare with.
    rate_services.exchange_rate_save(**save, year=2016, usd_per_unit=Decimal("1.6"))
    rate_services.exchange_rate_save(
        **{**save, "currency": "XOF"}, year=2014, usd_per_unit=Decimal(9)
    )


def test_far_rate_on_the_page_shows_nearest_and_deviation(client, tenancy) -> None:
    _rate("EUR", 2013, "1.3281")
    client.force_login(tenancy.secretariat)
    url = reverse("knowledge:catalogue")
    data = {"currency": "EUR", "year": 2014, "usd_per_unit": "0.5", "source": "Typo test"}
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "2013: 1.3281 USD" in page and "62.4 % below" in page
    assert 'name="confirm"' in page
    assert not ExchangeRate.objects.filter(year=2014).exists()
    assert client.post(url, {**data, "confirm": "on"}).status_code == 302
    assert ExchangeRate.objects.get(year=2014).usd_per_unit == Decimal("0.5")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    existing=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10_000), places=8),
    new=st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal(100_000), places=8),
    gap=st.integers(min_value=1, max_value=30),
)
def test_confirmation_is_asked_iff_more_than_half_away(tenancy, existing, new, gap) -> None:
    with transaction.atomic():
        _rate("EUR", 2000, str(existing))
        asked = False
        try:
            rate_services.exchange_rate_save(
                actor=tenancy.secretariat,
                currency="EUR",
                year=2000 + gap,
                usd_per_unit=new,
                source="Property test",
            )
        except rate_services.RateNeedsConfirmation:
            asked = True
        assert asked == (abs(new / existing - 1) > Decimal("0.5"))
        assert ExchangeRate.objects.filter(year=2000 + gap).exists() == (not asked)
        transaction.set_rollback(True)


# --- 4. every rate says where it comes from ----------------------------------------------------


def test_source_is_required(client, tenancy) -> None:
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            rate_services.exchange_rate_save(
                actor=tenancy.secretariat,
                currency="EUR",
                year=2014,
                usd_per_unit=Decimal("1.3285"),
                source=blank,
            )
        assert "source" in exc.value.message_dict
    client.force_login(tenancy.secretariat)
    url = reverse("knowledge:catalogue")
    response = client.post(url, {"currency": "EUR", "year": 2014, "usd_per_unit": "1.3285"})
    assert response.status_code == 400
    assert "Say where the rate comes from" in response.content.decode()
    assert not ExchangeRate.objects.exists()
    # Only the secretariat keeps rates, source or not.
    client.force_login(tenancy.staff_a)
    data = {"currency": "EUR", "year": 2014, "usd_per_unit": "1.3", "source": "x"}
    assert client.post(url, data).status_code == 403


def test_demo_rates_say_honestly_where_they_come_from(tenancy) -> None:
    call_command("load_demo", verbosity=0)
    rate = ExchangeRate.objects.get(currency="EUR", year=2010)
    assert rate.source == EXCHANGE_RATE_SOURCE
    assert "not from the source publication" in rate.source
    # An earlier load's claim is corrected, and a second run changes nothing.
    ExchangeRate.objects.filter(pk=rate.pk).update(source="Seed document")
    call_command("load_demo", verbosity=0)
    rate.refresh_from_db()
    assert rate.source == EXCHANGE_RATE_SOURCE
    before = rate.history.count()
    call_command("load_demo", verbosity=0)
    assert rate.history.count() == before
