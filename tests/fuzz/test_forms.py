"""Every page form that takes a number or a date, posted generated values by the role that may
use it: never a 5xx; a value outside the declared bounds is refused on its field; a refused
form writes nothing.

Forms: the case form (new and edit, with ``version``), the annual report form (new and edit,
with ``version``), the tier and status changes and the Executive Committee seat (secretariat),
the member profile (``established``), the exchange rate (secretariat) and the case import
(its numeric columns).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from knowledge.catalogue.selectors import impact_indicators
from knowledge.catalogue.units import STORED_SYMBOL, compatible_units
from knowledge.evidence.forms import IMPACT_STORED
from knowledge.evidence.imports import COLUMN_NAMES, IMPACT_CODES, template_rows
from knowledge.evidence.models.cases import FIGURE_KINDS
from knowledge.evidence.services import reports
from knowledge.models import (
    ACTIVITY_FIELDS,
    AnnualReport,
    Case,
    CaseImportJob,
    ExchangeRate,
    ReviewStatus,
)
from members.models import ExecutiveSeat, Member, Status, StatusChange, Tier, TierChange
from recpnet import bounds
from tests import factories
from tests.knowledge.cases.helpers import make_case

from .inputs import (
    BAD,
    GOOD,
    dateish,
    is_blank,
    numberish,
    verdict_date,
    verdict_decimal,
    verdict_int,
    year_verdict,
    yearish,
)

# No shrinking: a failing example is printed as generated (shrinking a page request costs
# minutes); the explicit examples are already minimal.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    print_blob=True,
)


def _count(raw: str, minimum: int = 0) -> str:
    return verdict_int(raw, minimum=minimum, maximum=bounds.COUNT_MAX)


def _figure(raw: str) -> str:
    return verdict_decimal(raw, places=bounds.VALUE_PLACES)


def _money(raw: str) -> str:
    return verdict_decimal(raw, places=bounds.MONEY_PLACES)


def _form_errors(response: Any) -> dict[str, Any]:
    form = response.context["form"] if response.context else None
    return dict(form.errors) if form is not None else {}


# --- the case form -----------------------------------------------------------------------------

# field → (verdict, the form fields or service keys that may carry its error)
CASE_NUMBERS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "year": (year_verdict, ("year",)),
    "options_identified": (_count, ("options_identified",)),
    "options_implemented": (_count, ("options_implemented",)),
    "enterprises": (lambda raw: _count(raw, minimum=1), ("enterprises",)),
    "investment_amount": (_money, ("investment_amount", "investment_currency")),
    "annual_savings_amount": (_money, ("annual_savings_amount", "annual_savings_currency")),
    "output_before": (_figure, ("output_before",)),
    "output_after": (_figure, ("output_after",)),
    **{f"impact_{c}_value": (_figure, (f"impact_{c}_value", "__all__")) for c in IMPACT_CODES},
    **{
        f"fig_{k}_{side}": (_figure, (f"fig_{k}_{side}", f"fig_{k}_before", "__all__"))
        for k in FIGURE_KINDS
        for side in ("before", "after")
    },
}


def _case_units() -> dict[str, list[str]]:
    units = {f"impact_{c}_unit": compatible_units(IMPACT_STORED[c]) for c in IMPACT_CODES}
    for kind, spec in FIGURE_KINDS.items():
        units[f"fig_{kind}_unit"] = compatible_units(spec.stored_unit) or [
            STORED_SYMBOL.get(spec.stored_unit, spec.stored_unit)
        ]
    return units


CASE_BASE = {
    "title": "Condensate recovery in a dairy",
    "country": "KE",
    "sector": "C10",
    "enterprise_size": "medium",
    "year": "2015",
    "methodology": "cp_assessment",
    "summary": "Boiler tuning and condensate return.",
    "enterprises": "1",
    "visibility": "public",
    "licence": "CC BY 4.0",
    "investment_currency": "USD",
    "annual_savings_currency": "USD",
}


@st.composite
def case_posts(draw: Any) -> tuple[dict[str, str], dict[str, str]]:
    """A valid case form with 1–4 of its numeric fields replaced; returns (data, fuzzed)."""
    names = draw(st.lists(st.sampled_from(sorted(CASE_NUMBERS)), min_size=1, max_size=4))
    fuzzed = {name: draw(yearish() if name == "year" else numberish()) for name in names}
    data = {**CASE_BASE, **fuzzed}
    for unit_field, choices in _case_units().items():
        stem = unit_field.removesuffix("_unit")
        if any(name.startswith(f"{stem}_") for name in fuzzed):  # waste_ ≠ wastewater_
            data[unit_field] = draw(st.sampled_from([*choices, "", "kWh²", "1e400"]))
    return data, fuzzed


def _check_case_answer(
    response: Any, fuzzed: dict[str, str], created: int | None, where: str
) -> None:
    """``created``: cases written by a create (``None`` for an edit, checked by its caller)."""
    assert response.status_code < 500, where
    if response.status_code != 302:
        assert response.status_code in (200, 400), f"{where}: {response.status_code}"
    if created is not None:
        expected = 1 if response.status_code == 302 else 0
        assert created == expected, f"{where}: answered {response.status_code}, wrote {created}"
    bad = [
        name
        for name, raw in fuzzed.items()
        if not (is_blank(raw) and name != "year") and CASE_NUMBERS[name][0](raw) == BAD
    ]
    if bad:
        assert response.status_code != 302, f"{where}: {bad} accepted"
        # Each refusal names a field: the bad one, or another of those sent (the form checks
        # its fields first, the service the bounds only of a form without errors).
        keys = {k for name in fuzzed for k in (name, *CASE_NUMBERS[name][1])}
        keys |= {f"{name.rsplit('_', 1)[0]}_unit" for name in fuzzed}
        errors = _form_errors(response)
        if not errors:
            # An edit with a stale version is refused as a conflict before any field is read
            # (a message on the page, nothing written).
            shown = [str(m) for m in response.context["messages"]]
            assert any("changed" in m or "meanwhile" in m for m in shown), f"{where}: {shown}"
            return
        assert keys & set(errors), f"{where}: {bad} bad; errors on {sorted(errors)}"


def test_case_form_numbers(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.staff_a)
    url = reverse("knowledge:case-new", kwargs={"slug": tenancy.member_a.slug})

    @FUZZ
    @given(post=case_posts())
    @example(post=({**CASE_BASE, "year": "²²²²"}, {"year": "²²²²"}))
    @example(post=({**CASE_BASE, "year": "١٢"}, {"year": "١٢"}))
    @example(post=({**CASE_BASE, "investment_amount": "1e400"}, {"investment_amount": "1e400"}))
    @example(post=({**CASE_BASE, "output_before": "NaN"}, {"output_before": "NaN"}))
    @example(post=({**CASE_BASE, "enterprises": str(10**30)}, {"enterprises": str(10**30)}))
    @example(
        post=({**CASE_BASE, "annual_savings_amount": "0E-400"}, {"annual_savings_amount": "0E-400"})
    )
    def check(post: tuple[dict[str, str], dict[str, str]]) -> None:
        data, fuzzed = post
        before = Case.objects.count()
        response = client.post(url, data)
        _check_case_answer(response, fuzzed, Case.objects.count() - before, f"POST {url} {fuzzed}")

    check()


def test_case_edit_numbers_and_version(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.staff_a)
    case = make_case(tenancy.member_a)
    url = reverse("knowledge:case-edit", kwargs={"public_id": case.public_id})

    @FUZZ
    @given(post=case_posts(), version=st.one_of(st.none(), numberish()))
    @example(post=(dict(CASE_BASE), {}), version="²")
    @example(post=(dict(CASE_BASE), {}), version="abc")
    @example(post=(dict(CASE_BASE), {}), version=str(10**30))
    def check(post: tuple[dict[str, str], dict[str, str]], version: str | None) -> None:
        data, fuzzed = post
        case.refresh_from_db()
        current = case.version
        history = case.history.count()
        if version is not None:
            data = {**data, "version": version}
        response = client.post(url, data)
        where = f"POST {url} {fuzzed} version={version!r}"
        assert response.status_code in (200, 302, 400), f"{where}: {response.status_code}"
        case.refresh_from_db()
        if response.status_code != 302:
            assert case.version == current, f"{where}: refused but wrote version {case.version}"
            assert case.history.count() == history, f"{where}: refused but wrote history"
        _check_case_answer(response, fuzzed, None, where)
        bad_version = (
            version is not None
            and not is_blank(version)
            and verdict_int(version, minimum=1, maximum=bounds.COUNT_MAX) == BAD
        )
        if bad_version:
            assert response.status_code != 302, f"{where}: a malformed version was accepted"
            assert case.version == current, f"{where}: a malformed version wrote"

    check()


# --- the annual report form --------------------------------------------------------------------


def _report_indicators() -> list[tuple[str, list[str]]]:
    rows = []
    for indicator in impact_indicators():
        units = compatible_units(indicator.unit) or ["USD", "EUR", "KES"]
        rows.append((indicator.code, units))
    return rows


@st.composite
def report_posts(draw: Any) -> tuple[dict[str, str], dict[str, str]]:
    fields = [*ACTIVITY_FIELDS, *(f"impact_{code}" for code, _u in _report_indicators())]
    names = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4))
    data = {name: draw(numberish()) for name in names}
    for code, units in _report_indicators():
        if f"impact_{code}" in data:
            data[f"unit_{code}"] = draw(st.sampled_from([*units, "", "²"]))
    return data, {name: data[name] for name in names}


def _report_verdict(name: str, raw: str) -> tuple[str, str]:
    if name == "year":
        return year_verdict(raw), name
    if name == "version":
        if is_blank(raw):
            return "good", name
        return verdict_int(raw, minimum=1, maximum=bounds.COUNT_MAX), name
    if name in ACTIVITY_FIELDS:
        return _count(raw), name
    money = name.removeprefix("impact_") in {"investment", "annual_savings", "money_saved"}
    return (_money(raw) if money else _figure(raw)), "impacts"


def _check_report_errors(response: Any, fuzzed: dict[str, str], where: str) -> None:
    """Every bad value refused, and the refusal names one of the bad fields (the service stops
    at the first group: year, then counters, then impacts)."""
    bad = [
        name
        for name, raw in fuzzed.items()
        if not is_blank(raw) and _report_verdict(name, raw)[0] == BAD
    ]
    if bad:
        assert response.status_code == 400, f"{where}: bad {bad} got {response.status_code}"
        keys = {k for name in fuzzed for k in (name, _report_verdict(name, "")[1])}
        errors = response.context["errors"]
        assert keys & set(errors), f"{where}: bad {bad}, errors name {sorted(errors)}"


def test_report_form_numbers(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.staff_a)
    url = reverse("knowledge:report-new", kwargs={"slug": tenancy.member_a.slug})

    @FUZZ
    @given(post=report_posts(), year=yearish())
    @example(post=({}, {}), year="²²²²")
    @example(post=({}, {}), year="١٩٩٥")
    @example(post=({"people_trained": "1e400"}, {"people_trained": "1e400"}), year="2015")
    def check(post: tuple[dict[str, str], dict[str, str]], year: str) -> None:
        data, fuzzed = post
        before = AnnualReport.objects.count()
        response = client.post(url, {**data, "year": year})
        created = AnnualReport.objects.count() - before
        where = f"POST {url} year={year!r} {fuzzed}"
        assert response.status_code in (200, 302, 400), f"{where}: {response.status_code}"
        assert created == (1 if response.status_code == 302 else 0), f"{where}: wrote {created}"
        if year_verdict(year) == BAD:
            assert response.status_code == 400, f"{where}: {response.status_code}"
            assert "year" in response.context["errors"], where
        else:
            sent = {**fuzzed, **({"year": year} if year_verdict(year) != GOOD else {})}
            _check_report_errors(response, sent, where)
        # Make room for the next example's year.
        AnnualReport.objects.filter(member=tenancy.member_a).delete()

    check()


def test_report_edit_numbers_and_version(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.staff_a)
    report = reports.report_create(member=tenancy.member_a, year=2014, actor=tenancy.staff_a)
    url = reverse("knowledge:report-edit", kwargs={"slug": tenancy.member_a.slug, "year": 2014})

    @FUZZ
    @given(post=report_posts(), version=st.one_of(st.none(), numberish()))
    @example(post=({}, {}), version="²")
    @example(post=({}, {}), version="abc")
    @example(post=({}, {}), version="١")
    @example(post=({"outreach_events": "-1"}, {"outreach_events": "-1"}), version=None)
    def check(post: tuple[dict[str, str], dict[str, str]], version: str | None) -> None:
        data, fuzzed = post
        report.refresh_from_db()
        current = report.version
        if version is not None:
            data = {**data, "version": version}
        response = client.post(url, data)
        where = f"POST {url} {fuzzed} version={version!r}"
        assert response.status_code in (200, 302, 400), f"{where}: {response.status_code}"
        report.refresh_from_db()
        if response.status_code != 302:
            assert report.version == current, f"{where}: refused but wrote"
        sent = {**fuzzed, **({"version": version} if version is not None else {})}
        _check_report_errors(response, sent, where)
        if (
            version is not None
            and not is_blank(version)
            and verdict_int(version, minimum=1, maximum=bounds.COUNT_MAX) == BAD
        ):
            assert response.status_code == 400, f"{where}: {response.status_code}"
            assert report.version == current, where

    check()


# --- the secretariat's member forms ------------------------------------------------------------


def _check_date_form(
    client: Any,
    url: str,
    data: dict[str, str],
    dates: dict[str, tuple[str, bool]],
    rows: Any,
    form_key: str,
) -> None:
    """Post ``data``; ``dates`` maps each date field to (value, planned); ``rows`` counts what
    a success writes; ``form_key`` is the form in the page's context."""
    before = rows()
    response = client.post(url, data)
    written = rows() - before
    where = f"POST {url} {data}"
    assert response.status_code in (302, 400), f"{where}: {response.status_code}"
    assert written == (1 if response.status_code == 302 else 0), f"{where}: wrote {written}"
    bad = {
        name
        for name, (raw, planned) in dates.items()
        if not is_blank(raw) and verdict_date(raw, planned=planned) == BAD
    }
    if bad:
        assert response.status_code == 400, f"{where}: bad {sorted(bad)} accepted"
        errors = dict(response.context[form_key].errors)
        assert set(dates) & set(errors), f"{where}: bad {sorted(bad)}; errors on {sorted(errors)}"


def test_tier_and_status_effective_on(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.secretariat)
    slug = tenancy.member_a.slug
    tier_url = reverse("members:change_tier", kwargs={"slug": slug})
    status_url = reverse("members:change_status", kwargs={"slug": slug})

    @FUZZ
    @given(
        effective_on=dateish(),
        tier=st.sampled_from(Tier.values),
        status=st.sampled_from(Status.values),
        which=st.sampled_from(["tier", "status"]),
    )
    @example(effective_on="0001-01-01", tier=Tier.REGULAR, status=Status.ACTIVE, which="tier")
    @example(effective_on="9999-12-31", tier=Tier.REGULAR, status=Status.LAPSED, which="status")
    @example(effective_on="١٩٩٩-٠١-٠١", tier=Tier.REGULAR, status=Status.LAPSED, which="tier")
    def check(effective_on: str, tier: str, status: str, which: str) -> None:
        dates = {"effective_on": (effective_on, False)}
        if which == "tier":
            data = {"tier": tier, "effective_on": effective_on, "reason": "Merit review"}
            _check_date_form(client, tier_url, data, dates, TierChange.objects.count, "tier_form")
        else:
            data = {"status": status, "effective_on": effective_on, "reason": "Board decision"}
            _check_date_form(
                client, status_url, data, dates, StatusChange.objects.count, "status_form"
            )

    check()


def test_executive_seat_terms(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.secretariat)
    regular = factories.MemberFactory(tier=Tier.REGULAR, country=factories.country("CO"))
    url = reverse("members:add_seat", kwargs={"slug": regular.slug})

    @FUZZ
    @given(term_start=dateish(), term_end=st.one_of(st.just(""), dateish()))
    @example(term_start="0001-01-01", term_end="")
    @example(term_start="2020-01-01", term_end="9999-12-31")
    def check(term_start: str, term_end: str) -> None:
        data = {"title": "Member", "term_start": term_start, "term_end": term_end}
        dates = {"term_start": (term_start, True), "term_end": (term_end, True)}
        _check_date_form(client, url, data, dates, ExecutiveSeat.objects.count, "seat_form")

    check()


def test_member_profile_established(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.admin_a)
    url = reverse("members:edit", kwargs={"slug": tenancy.member_a.slug})

    @FUZZ
    @given(established=yearish())
    @example(established="²²²²")
    @example(established=str(10**30))
    def check(established: str) -> None:
        before = Member.objects.get(pk=tenancy.member_a.pk).established
        response = client.post(url, {"established": established})
        after = Member.objects.get(pk=tenancy.member_a.pk).established
        where = f"POST {url} established={established!r}"
        assert response.status_code in (200, 302, 400), f"{where}: {response.status_code}"
        if response.status_code != 302:
            assert after == before, f"{where}: refused but wrote {after}"
        if (
            not is_blank(established)
            and verdict_int(established, minimum=1900, maximum=2100) == BAD
        ):
            assert response.status_code != 302, f"{where}: accepted"
            assert "established" in _form_errors(response), where

    check()


# --- exchange rates ----------------------------------------------------------------------------


def test_exchange_rate_form(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.secretariat)
    url = reverse("knowledge:catalogue")
    largest = Decimal("9999999999.99999999")  # max_digits=18, decimal_places=8

    @FUZZ
    @given(year=yearish(), rate=numberish(), confirm=st.booleans())
    @example(year="2015", rate="1e400", confirm=True)
    @example(year="2015", rate="NaN", confirm=True)
    @example(year="²²²²", rate="0.5", confirm=True)
    @example(year="2015", rate="0", confirm=True)
    def check(year: str, rate: str, confirm: bool) -> None:
        before = list(ExchangeRate.objects.values_list("currency", "year", "usd_per_unit"))
        data = {"currency": "KES", "year": year, "usd_per_unit": rate, "source": "CBK annual"}
        if confirm:
            data["confirm"] = "on"
        response = client.post(url, data)
        after = list(ExchangeRate.objects.values_list("currency", "year", "usd_per_unit"))
        where = f"POST {url} {data}"
        assert response.status_code in (302, 400), f"{where}: {response.status_code}"
        if response.status_code != 302:
            assert after == before, f"{where}: refused but wrote"
        bad = set()
        if verdict_int(year, minimum=1970, maximum=2100) == BAD:
            bad.add("year")
        if verdict_decimal(rate, places=8, maximum=largest) == BAD:
            bad.add("usd_per_unit")
        if bad:
            assert response.status_code == 400, f"{where}: bad {bad} accepted"
            assert {"year", "usd_per_unit"} & set(_form_errors(response)), where

    check()


# --- the case import ---------------------------------------------------------------------------

IMPORT_NUMBERS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "year": (year_verdict, ("year",)),
    "options_identified": (_count, ("options_identified",)),
    "options_implemented": (_count, ("options_implemented",)),
    "enterprises": (lambda raw: _count(raw, minimum=1), ("enterprises",)),
    "investment_amount": (_money, ("investment_amount", "investment_currency")),
    "annual_savings_amount": (_money, ("annual_savings_amount", "annual_savings_currency")),
    **{f"{c}_value": (_figure, (f"{c}_value", "impacts")) for c in IMPACT_CODES},
}
# A crash inside the import is caught and shown as one of these lines (knowledge.evidence.
# services.cases._import_failure): a number that reaches the database unchecked.
CRASH_MESSAGES = ("database refused", "database failed", "unexpected error")


def _csv(values: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMN_NAMES)
    writer.writerow([values.get(name, "") for name in COLUMN_NAMES])
    return out.getvalue().encode("utf-8")


def test_case_import_numbers(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.staff_a)
    url = reverse("knowledge:case-import", kwargs={"slug": tenancy.member_a.slug})
    base = {
        **template_rows()[0],
        "country": "KE",
        "investment_currency": "USD",
        "annual_savings_currency": "USD",
        "annual_savings_amount": "",
    }
    for code in IMPACT_CODES:
        base[f"{code}_unit"] = STORED_SYMBOL.get(IMPACT_STORED[code], IMPACT_STORED[code])

    @FUZZ
    @given(
        fuzzed=st.dictionaries(
            st.sampled_from(sorted(IMPORT_NUMBERS)), numberish(), min_size=1, max_size=3
        )
    )
    @example(fuzzed={"year": "²²²²"})
    @example(fuzzed={"enterprises": str(10**30)})
    @example(fuzzed={"investment_amount": "1e400"})
    @example(fuzzed={"energy_saved_value": "NaN"})
    @example(fuzzed={"energy_saved_value": "999999999999999999"})
    def check(fuzzed: dict[str, str]) -> None:
        before = Case.objects.count()
        upload = SimpleUploadedFile("cases.csv", _csv({**base, **fuzzed}), "text/csv")
        response = client.post(url, {"file": upload})
        where = f"POST {url} row {fuzzed}"
        assert response.status_code in (200, 302), f"{where}: {response.status_code}"
        job = CaseImportJob.objects.filter(member=tenancy.member_a).order_by("-pk").first()
        assert job is not None and job.state in ("done", "failed"), where
        messages = [str(e.get("message", "")) for e in job.errors]
        assert not [m for m in messages if any(c in m for c in CRASH_MESSAGES)], (
            f"{where}: the import crashed: {job.errors}"
        )
        created = Case.objects.count() - before
        assert created == (1 if job.state == "done" else 0), f"{where}: {job.state}, {created}"
        fields = {str(e.get("field", "")) for e in job.errors}
        bad = [
            name
            for name, raw in fuzzed.items()
            if not is_blank(raw) and IMPORT_NUMBERS[name][0](raw.strip()) == BAD
        ]
        if bad:
            assert job.state == "failed", f"{where}: {bad} imported"
            keys = {k for name in fuzzed for k in (name, *IMPORT_NUMBERS[name][1])}
            assert fields & keys, f"{where}: {bad} bad; errors {job.errors}"
        Case.objects.filter(member=tenancy.member_a, status=ReviewStatus.DRAFT).delete()

    check()


def test_the_reported_overflows_are_refused_naming_the_field(client: Any, tenancy: Any) -> None:
    """999999999999999999 GWh was a 500 on the case and report pages and in the import."""
    huge = "999999999999999999"
    client.force_login(tenancy.staff_a)
    response = client.post(
        reverse("knowledge:report-new", kwargs={"slug": tenancy.member_a.slug}),
        {"year": "2015", "impact_energy_saved": huge, "unit_energy_saved": "GWh"},
    )
    assert response.status_code == 400
    assert "<strong>impacts</strong>" in response.content.decode()
    response = client.post(
        reverse("knowledge:case-new", kwargs={"slug": tenancy.member_a.slug}),
        {**CASE_BASE, "impact_energy_saved_value": huge, "impact_energy_saved_unit": "GWh"},
    )
    assert response.status_code == 400 and "Enter at most" in response.content.decode()
    row = {
        **template_rows()[0],
        "country": "KE",
        "annual_savings_currency": "USD",
        "energy_saved_value": huge,
        "energy_saved_unit": "GWh",
    }
    upload = SimpleUploadedFile("cases.csv", _csv(row), "text/csv")
    client.post(
        reverse("knowledge:case-import", kwargs={"slug": tenancy.member_a.slug}), {"file": upload}
    )
    job = CaseImportJob.objects.get(member=tenancy.member_a)
    assert job.state == "failed"
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "impacts")]
    assert not Case.objects.exists()


NOT_PLAIN = {
    "year": "١٩٩٥",
    "options_identified": "12.0",
    "impact_energy_saved_value": "1e3",
    "investment_amount": "1,5",
}


def test_numbers_that_are_not_plain_are_refused_alike_by_page_and_api(
    client: Any, tenancy: Any
) -> None:
    """Other scripts' digits, a fraction where a count is wanted, an exponent and a decimal
    comma ("1,5" would otherwise be 15) are refused naming the field, on the page and in the
    API alike; every one in one answer."""
    client.force_login(tenancy.staff_a)
    data = {**CASE_BASE, **NOT_PLAIN, "investment_currency": "USD"}
    response = client.post(
        reverse("knowledge:case-new", kwargs={"slug": tenancy.member_a.slug}), data
    )
    assert response.status_code == 400
    assert set(NOT_PLAIN) <= set(_form_errors(response))
    body = {
        "member": tenancy.member_a.slug,
        "title": "T",
        "country": "KE",
        "sector": "C10",
        "enterprise_size": "small",
        "methodology": "cp_assessment",
        "summary": "S",
        "year": NOT_PLAIN["year"],
        "options_identified": NOT_PLAIN["options_identified"],
        "impacts": [{"indicator": "energy_saved", "value": "1e3", "unit": "MWh"}],
        "investment": {"amount": "1,5", "currency": "USD"},
    }
    response = client.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"year", "options_identified", "impacts", "investment"} <= set(fields), fields
    assert not Case.objects.exists()
