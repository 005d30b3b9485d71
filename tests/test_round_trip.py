"""Round trips are identity: every edit form opened and saved unchanged, and every writable API
object read and written back unchanged, changes nothing — same values, same units, same
version, same number of history entries.

The page tests submit what a browser would: the form as rendered (selected options, checked
boxes, textareas), parsed from the HTML, not the values the test put in. Case and report
contents are drawn by hypothesis over every unit, currency, figure and decimal scale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from knowledge.catalogue import services as catalogue_services
from knowledge.catalogue import units
from knowledge.evidence.models.cases import FIGURE_KINDS
from knowledge.evidence.services import cases as case_services
from knowledge.evidence.services import reports as report_services
from knowledge.models import (
    AnnualReport,
    Case,
    CaseFigure,
    CaseImpact,
    ExchangeRate,
    Indicator,
    ReportImpact,
    ReviewStatus,
)
from members.models import Member

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
YEAR = 2014


# --- what a browser submits -----------------------------------------------------------------


class _Forms(HTMLParser):
    """Every ``<form>`` of a page as the list of (name, value) pairs a browser would submit
    with its default button."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._select: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append([])
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1].append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "text": ""}

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._select is not None and self._option is not None:
            option = self._option
            value = option["value"] if option["value"] is not None else option["text"].strip()
            self._select["options"].append((value, option["selected"]))
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [v for v, selected in options if selected]
            if not chosen and options and not self._select["multiple"]:
                chosen = [options[0][0]]
            self.forms[-1].extend((self._select["name"], v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea["text"]
            # Browsers drop the newline that Django puts after <textarea>.
            text = text[1:] if text.startswith("\n") else text
            # …and submit line breaks as CRLF (HTML's form submission rules).
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
            self.forms[-1].append((self._textarea["name"], text))
            self._textarea = None


def form_as_browser(html: str, field: str) -> dict[str, list[str]]:
    """The data of the page's form that has ``field``, as a browser would post it."""
    parser = _Forms()
    parser.feed(html)
    for pairs in parser.forms:
        if any(name == field for name, _ in pairs):
            data: dict[str, list[str]] = {}
            for name, value in pairs:
                data.setdefault(name, []).append(value)
            return data
    raise AssertionError(f"no form with a field {field!r} on the page")


def save_unchanged(client: Client, url: str, field: str) -> Any:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = form_as_browser(page.content.decode(), field)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


# --- snapshots: everything an edit could change ---------------------------------------------


def _row(obj: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        f.attname: getattr(obj, f.attname)
        for f in type(obj)._meta.concrete_fields
        if f.attname not in exclude
    }


def case_snapshot(case: Case) -> dict[str, Any]:
    case = Case.objects.get(pk=case.pk)
    return {
        "case": _row(case, exclude=("search_vector",)),
        "impacts": sorted(
            (i.indicator_id, i.value, i.unit, i.value_stored)
            for i in CaseImpact.objects.filter(case=case)
        ),
        "figures": sorted(
            (f.kind, f.unit, f.before, f.after, f.before_stored, f.after_stored)
            for f in CaseFigure.objects.filter(case=case)
        ),
        "history": (
            Case.history.filter(id=case.pk).count(),
            CaseImpact.history.filter(case_id=case.pk).count(),
            CaseFigure.history.filter(case_id=case.pk).count(),
        ),
    }


def report_snapshot(report: AnnualReport) -> dict[str, Any]:
    report = AnnualReport.objects.get(pk=report.pk)
    return {
        "report": _row(report),
        "impacts": sorted(
            (i.indicator_id, i.value, i.unit, i.currency, i.stored_value)
            for i in ReportImpact.objects.filter(report=report)
        ),
        "history": (
            AnnualReport.history.filter(id=report.pk).count(),
            ReportImpact.history.filter(report_id=report.pk).count(),
        ),
    }


def member_snapshot(member: Member) -> dict[str, Any]:
    member = Member.objects.get(pk=member.pk)
    return {"member": _row(member), "history": Member.history.filter(id=member.pk).count()}


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Equal snapshots, reporting the fields that differ (not the whole dictionaries)."""
    diff = {
        (part, key): (before[part][key], after[part].get(key))
        for part in before
        if isinstance(before[part], dict)
        for key in before[part]
        if before[part][key] != after[part].get(key)
    }
    diff.update(
        {
            (part, ""): (before[part], after[part])
            for part in before
            if not isinstance(before[part], dict) and before[part] != after[part]
        }
    )
    assert not diff, diff


# --- rich contents, drawn by hypothesis ------------------------------------------------------

IMPACT_UNITS = {
    "energy_saved": "MWh/yr",
    "water_saved": "m3/yr",
    "materials_saved": "t/yr",
    "waste_reduced": "t/yr",
    "wastewater_reduced": "m3/yr",
    "ghg_reduced": "tCO2e/yr",
}

# Up to a million in any accepted unit stays within the stored bound (10^6 GL = 10^12 m3),
# with every scale from whole numbers to six decimal places.
figure_values = st.decimals(
    min_value=0, max_value=10**6, places=6, allow_nan=False, allow_infinity=False
) | st.integers(min_value=0, max_value=10**6).map(Decimal)
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def case_contents(draw: Any) -> dict[str, Any]:
    impacts = [
        {
            "indicator": code,
            "value": draw(figure_values),
            "unit": draw(st.sampled_from(units.compatible_units(stored))),
        }
        for code, stored in IMPACT_UNITS.items()
        if draw(st.booleans())
    ]
    with_impact = {i["indicator"] for i in impacts}
    figures = []
    for kind, spec in FIGURE_KINDS.items():
        # A saving may not exceed its baseline: figures only where no impact is given.
        if spec.impact in with_impact or not draw(st.booleans()):
            continue
        figures.append(
            {
                "kind": kind,
                "before": draw(figure_values),
                "after": draw(figure_values),
                "unit": draw(st.sampled_from(units.compatible_units(spec.stored_unit))),
            }
        )
    fields: dict[str, Any] = {
        "title": "Condensate recovery & “steam” <traps>",
        "enterprise_name": "Nile Dairy Ltd",
        "country": "KE",
        "sector": draw(st.sampled_from(["C", "C10", "I55"])),
        "enterprise_size": draw(st.sampled_from(["micro", "small", "medium", "large"])),
        "year": YEAR,
        "themes": draw(st.lists(st.sampled_from(["energy_efficiency", "water", "waste"]))),
        "methodology": "cp_assessment",
        "summary": "Line one.\nLine two, with  two spaces.",
        "options_identified": draw(st.none() | st.integers(10, 1000)),
        "options_implemented": draw(st.none() | st.integers(0, 10)),
        "enterprises": draw(st.integers(1, 50)),
        "visibility": draw(st.sampled_from(["public", "network"])),
        "output_unit": "t of product" if figures else "",
        "output_before": draw(figure_values) if figures else None,
        "output_after": draw(figure_values) if figures else None,
    }
    for prefix in ("investment", "annual_savings"):
        if draw(st.booleans()):
            fields[f"{prefix}_amount"] = draw(money)
            fields[f"{prefix}_currency"] = draw(st.sampled_from(["USD", "EUR"]))
    return {"fields": fields, "impacts": impacts, "figures": figures}


@st.composite
def report_contents(draw: Any) -> dict[str, Any]:
    activity = {
        name: draw(st.integers(0, 10**6))
        for name in ("enterprises_assisted", "assessments_completed", "people_trained")
    }
    activity["options_identified"] = draw(st.integers(10, 10**6))
    activity["options_implemented"] = draw(st.integers(0, 10))
    impacts = [
        {
            "indicator": code,
            "value": draw(figure_values),
            "unit": draw(st.sampled_from(units.compatible_units(stored))),
        }
        for code, stored in IMPACT_UNITS.items()
        if draw(st.booleans())
    ]
    for code in ("investment", "annual_savings"):
        if draw(st.booleans()):
            impacts.append(
                {
                    "indicator": code,
                    "value": draw(money),
                    "unit": draw(st.sampled_from(["USD", "EUR"])),
                }
            )
    return {"activity": activity, "impacts": impacts}


@pytest.fixture
def eur_rate(db: None) -> ExchangeRate:
    return ExchangeRate.objects.create(
        currency="EUR", year=YEAR, usd_per_unit=Decimal("1.3285"), source="Test rate"
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _returned_case(tenancy: Any, case: Case) -> Case:
    case = case_services.case_submit(actor=tenancy.staff_a, case=case)
    return case_services.case_return(actor=tenancy.coordinator_a, case=case, comment="Check units")


# --- cases ----------------------------------------------------------------------------------


@EXAMPLES
@given(contents=case_contents(), returned=st.booleans())
def test_case_edit_form_saved_unchanged_changes_nothing(tenancy, eur_rate, contents, returned):
    case = case_services.case_create(actor=tenancy.staff_a, member=tenancy.member_a, **contents)
    if returned:
        case = _returned_case(tenancy, case)
    before = case_snapshot(case)
    save_unchanged(
        _client(tenancy.staff_a), reverse("knowledge:case-edit", args=[case.public_id]), "title"
    )
    assert_same(before, case_snapshot(case))


@EXAMPLES
@given(contents=case_contents())
def test_case_api_written_back_unchanged_changes_nothing(tenancy, eur_rate, contents):
    case = case_services.case_create(actor=tenancy.staff_a, member=tenancy.member_a, **contents)
    api = _api(tenancy.staff_a)
    url = f"/api/v1/cases/{case.public_id}/"
    body = api.get(url).json()
    before = case_snapshot(case)
    response = api.patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert {k: v for k, v in response.json().items() if k != "warnings"} == body
    assert_same(before, case_snapshot(case))


def test_case_api_numbers_are_plain_and_carry_the_stored_value(tenancy, eur_rate):
    case = case_services.case_create(
        actor=tenancy.staff_a,
        member=tenancy.member_a,
        fields={
            "title": "Boilers",
            "country": "KE",
            "sector": "C10",
            "enterprise_size": "large",
            "year": YEAR,
            "methodology": "energy_audit",
            "summary": "Steam.",
            "investment_amount": "1500000",
            "investment_currency": "EUR",
        },
        impacts=[
            {"indicator": "energy_saved", "value": "1500000", "unit": "kWh"},
            {"indicator": "water_saved", "value": "1800", "unit": "m3"},
            {"indicator": "waste_reduced", "value": "0.32", "unit": "kt"},
        ],
    )
    body = _api(tenancy.staff_a).get(f"/api/v1/cases/{case.public_id}/").json()
    assert body["impacts"] == [
        {
            "indicator": "energy_saved",
            "value": "1500000",
            "unit": "kWh",
            "stored": {"value": "1500", "unit": "MWh/yr"},
        },
        {
            "indicator": "water_saved",
            "value": "1800",
            "unit": "m3",
            "stored": {"value": "1800", "unit": "m3/yr"},
        },
        {
            "indicator": "waste_reduced",
            "value": "0.32",
            "unit": "kt",
            "stored": {"value": "320", "unit": "t/yr"},
        },
    ]
    assert body["investment"] == {"amount": "1500000", "currency": "EUR", "usd": "1992750"}


# --- annual reports -------------------------------------------------------------------------


@EXAMPLES
@given(contents=report_contents(), returned=st.booleans())
def test_report_edit_form_saved_unchanged_changes_nothing(tenancy, eur_rate, contents, returned):
    AnnualReport.objects.filter(member=tenancy.member_a, year=YEAR).delete()
    report = report_services.report_create(
        member=tenancy.member_a, year=YEAR, actor=tenancy.staff_a, **contents
    )
    if returned:
        report = report_services.report_submit(report=report, actor=tenancy.staff_a)
        report = report_services.report_return(
            report=report, actor=tenancy.coordinator_a, comment="Check the units"
        )
    before = report_snapshot(report)
    save_unchanged(
        _client(tenancy.staff_a),
        reverse("knowledge:report-edit", kwargs={"slug": tenancy.member_a.slug, "year": YEAR}),
        "enterprises_assisted",
    )
    assert_same(before, report_snapshot(report))


@EXAMPLES
@given(contents=report_contents())
def test_report_api_written_back_unchanged_changes_nothing(tenancy, eur_rate, contents):
    AnnualReport.objects.filter(member=tenancy.member_a, year=YEAR).delete()
    report = report_services.report_create(
        member=tenancy.member_a, year=YEAR, actor=tenancy.staff_a, **contents
    )
    api = _api(tenancy.staff_a)
    url = f"/api/v1/reports/{report.pk}/"
    body = api.get(url).json()
    before = report_snapshot(report)
    response = api.patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert {k: v for k, v in response.json().items() if k != "warnings"} == body
    assert_same(before, report_snapshot(report))


def test_a_returned_report_in_gj_ml_t_and_tco2e_keeps_its_units(tenancy):
    """The reported defect: the edit page reset every unit to the first choice, so saving it
    unchanged turned 50 GJ into 50 kWh and 320 t into 320 kg."""
    report = report_services.report_create(
        member=tenancy.member_a,
        year=YEAR,
        actor=tenancy.staff_a,
        activity={"enterprises_assisted": 12},
        impacts=[
            {"indicator": "energy_saved", "value": "50", "unit": "GJ"},
            {"indicator": "water_saved", "value": "3", "unit": "ML"},
            {"indicator": "waste_reduced", "value": "320", "unit": "t"},
            {"indicator": "ghg_reduced", "value": "2100", "unit": "tCO2e"},
        ],
    )
    report = report_services.report_submit(report=report, actor=tenancy.staff_a)
    report_services.report_return(report=report, actor=tenancy.coordinator_a, comment="Recheck")
    url = reverse("knowledge:report-edit", kwargs={"slug": tenancy.member_a.slug, "year": YEAR})
    client = _client(tenancy.staff_a)
    data = form_as_browser(client.get(url).content.decode(), "enterprises_assisted")
    assert data["unit_energy_saved"] == ["GJ"] and data["unit_water_saved"] == ["ML"]
    assert data["unit_waste_reduced"] == ["t"] and data["unit_ghg_reduced"] == ["tCO2e"]
    before = report_snapshot(report)
    save_unchanged(client, url, "enterprises_assisted")
    assert_same(before, report_snapshot(report))
    stored = {
        i.indicator.code: i.stored_value
        for i in ReportImpact.objects.filter(report=report).select_related("indicator")
    }
    assert stored == {
        "energy_saved": Decimal("13.888889"),
        "water_saved": Decimal("3000"),
        "waste_reduced": Decimal("320"),
        "ghg_reduced": Decimal("2100"),
    }


def test_a_report_form_with_an_error_keeps_what_was_typed(tenancy, eur_rate):
    url = reverse("knowledge:report-new", kwargs={"slug": tenancy.member_a.slug})
    response = _client(tenancy.staff_a).post(
        url,
        {
            "year": "1850",
            "enterprises_assisted": "7",
            "impact_waste_reduced": "320",
            "unit_waste_reduced": "t",
            "impact_investment": "1500",
            "unit_investment": "EUR",
        },
    )
    assert response.status_code == 400
    data = form_as_browser(response.content.decode(), "enterprises_assisted")
    assert data["enterprises_assisted"] == ["7"]
    assert (data["impact_waste_reduced"], data["unit_waste_reduced"]) == (["320"], ["t"])
    assert (data["impact_investment"], data["unit_investment"]) == (["1500"], ["EUR"])
    assert not AnnualReport.objects.exists()


# --- member profile, exchange rates, indicators, applications -------------------------------


@pytest.mark.parametrize("role", ["admin_a", "secretariat"])
def test_member_profile_form_saved_unchanged_changes_nothing(tenancy, role):
    member = tenancy.member_a
    Member.objects.filter(pk=member.pk).update(
        website="https://kncpc.example.org/a?b=1&c=2",
        description="Founded 2000.\nServes industry & hotels.",
        themes=["energy_efficiency", "water"],
        sectors=["C10", "I55"],
    )
    before = member_snapshot(member)
    save_unchanged(
        _client(getattr(tenancy, role)), reverse("members:edit", args=[member.slug]), "website"
    )
    assert_same(before, member_snapshot(member))


def test_member_api_written_back_unchanged_changes_nothing(tenancy):
    api = _api(tenancy.secretariat)
    url = f"/api/v1/members/{tenancy.member_a.slug}/"
    body = api.get(url).json()
    before = member_snapshot(tenancy.member_a)
    writable = {k: v for k, v in body.items() if k not in ("chapter", "tier", "status")}
    response = api.patch(url, writable, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == body
    assert_same(before, member_snapshot(tenancy.member_a))


@EXAMPLES
@given(rate=st.decimals(min_value=Decimal("0.00000001"), max_value=10**6, places=8))
def test_exchange_rate_form_saved_unchanged_changes_nothing(tenancy, rate):
    ExchangeRate.objects.filter(currency="KES", year=YEAR).delete()
    saved = catalogue_services.exchange_rate_save(
        actor=tenancy.secretariat,
        currency="KES",
        year=YEAR,
        usd_per_unit=rate,
        source="Central Bank of Kenya, annual average",
    )
    history = saved.history.count()
    save_unchanged(
        _client(tenancy.secretariat),
        reverse("knowledge:catalogue") + f"?currency=KES&year={YEAR}",
        "usd_per_unit",
    )
    saved.refresh_from_db()
    assert (saved.usd_per_unit, saved.source, saved.history.count()) == (
        rate,
        "Central Bank of Kenya, annual average",
        history,
    )


def test_indicator_admin_form_saved_unchanged_changes_nothing(tenancy):
    from recpnet.models import User

    User.objects.filter(pk=tenancy.secretariat.pk).update(is_staff=True, is_superuser=True)
    indicator = Indicator.objects.get(code="energy_saved")
    before = (_row(indicator), indicator.history.count())
    save_unchanged(
        _client(tenancy.secretariat),
        reverse("admin:knowledge_indicator_change", args=[indicator.pk]),
        "code",
    )
    indicator.refresh_from_db()
    assert (_row(indicator), indicator.history.count()) == before


def test_an_application_with_an_error_keeps_everything_else(client, tenancy):
    client.force_login(tenancy.outsider)
    page = client.get(reverse("members:apply"))
    assert page.status_code == 200
    data = form_as_browser(page.content.decode(), "name")
    data.update(
        {
            "name": ["Centre National de Production Plus Propre du Sénégal"],
            "country": ["SN"],
            "website": ["not a web address"],
            "track_record": ["Twelve assessments since 2004.\nTwo TEST projects."],
        }
    )
    response = client.post(reverse("members:apply"), data)
    assert response.status_code in (200, 400)
    again = form_as_browser(response.content.decode(), "name")
    assert again["name"] == data["name"]
    assert again["country"] == ["SN"]
    assert again["track_record"] == ["Twelve assessments since 2004.\r\nTwo TEST projects."]


# --- the dates and numbers that broke pages -------------------------------------------------


def test_dates_share_one_range_everywhere(tenancy):
    from members.services import member_change_tier

    too_early = dt.date(1, 1, 1)
    for call in (
        lambda: member_change_tier(
            actor=tenancy.secretariat,
            member=tenancy.member_a,
            tier="associate",
            effective_on=too_early,
            reason="x",
        ),
        lambda: __import__("members.services").services.member_update(
            actor=tenancy.secretariat, member=tenancy.member_a, joined_on=too_early
        ),
    ):
        _expect_date_error(call)


def _expect_date_error(call: Callable[[], Any]) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        call()
    (message,) = next(iter(exc.value.message_dict.values()))
    assert message.startswith("Enter a date from 1990-01-01 to ")


def test_no_status_changes_for_a_returned_case_saved_unchanged(tenancy, eur_rate):
    case = case_services.case_create(
        actor=tenancy.staff_a,
        member=tenancy.member_a,
        fields={
            "title": "Heat",
            "country": "KE",
            "sector": "C",
            "enterprise_size": "small",
            "year": YEAR,
            "methodology": "test",
            "summary": "S.",
        },
    )
    case = _returned_case(tenancy, case)
    save_unchanged(
        _client(tenancy.staff_a), reverse("knowledge:case-edit", args=[case.public_id]), "title"
    )
    case.refresh_from_db()
    assert case.status == ReviewStatus.RETURNED
