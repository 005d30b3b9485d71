"""Case services: conversions, validation that names the field, derived figures, flags."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from knowledge.evidence.selectors.cases import case_flags
from knowledge.evidence.services import cases as services
from knowledge.models import Case, ReviewStatus
from tests.knowledge.cases.helpers import eur_2014, make_case

pytestmark = pytest.mark.django_db

BASE = {
    "title": "Chemical leasing for conveyor lubrication",
    "enterprise_name": "Bottler",
    "country": "KE",
    "sector": "C11",
    "enterprise_size": "large",
    "year": 2014,
    "themes": ["chemicals", "water"],
    "methodology": "chemical_leasing",
    "summary": "Paid per running hour instead of per litre.",
}


def _create(tenancy, **overrides):
    fields = {**BASE, **overrides.pop("fields", {})}
    return services.case_create(
        actor=tenancy.staff_a, member=tenancy.member_a, fields=fields, **overrides
    )


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_conversions_of_the_seed_figures(tenancy) -> None:
    eur_2014()
    case = _create(
        tenancy,
        fields={"annual_savings_amount": "5,700", "annual_savings_currency": "eur"},
        impacts=[
            {"indicator": "materials_saved", "value": "1.8", "unit": "t"},
            {"indicator": "water_saved", "value": "1,500", "unit": "m3"},
            {"indicator": "energy_saved", "value": "250", "unit": "GJ"},
        ],
    )
    assert case.annual_savings_amount == Decimal("5700.00")
    assert case.annual_savings_currency == "EUR"
    assert case.annual_savings_usd == Decimal("7572.45")  # 5,700 × 1.3285
    stored = {i.indicator.code: i.value_stored for i in case.impacts.all()}
    assert stored == {
        "materials_saved": Decimal("1.8"),
        "water_saved": Decimal("1500"),
        "energy_saved": Decimal("69.444444"),  # 250 GJ = 69.44 MWh
    }
    assert {i.unit for i in case.impacts.all()} == {"t", "m3", "GJ"}


def test_wrong_unit_dimension_names_the_field(tenancy) -> None:
    with pytest.raises(ValidationError) as exc:
        _create(tenancy, impacts=[{"indicator": "water_saved", "value": "3", "unit": "kg"}])
    assert "impacts" in _errors(exc)
    assert "kg" in _errors(exc)["impacts"][0]
    assert not Case.objects.exists()


def test_missing_rate_allowed_in_draft_but_blocks_submission(tenancy) -> None:
    case = _create(tenancy, fields={"investment_amount": "1000", "investment_currency": "XOF"})
    assert case.investment_usd is None
    with pytest.raises(ValidationError) as exc:
        services.case_submit(actor=tenancy.staff_a, case=case)
    assert "investment_currency" in _errors(exc)
    assert "XOF" in _errors(exc)["investment_currency"][0]
    case.refresh_from_db()
    assert case.status == ReviewStatus.DRAFT


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"options_identified": 3, "options_implemented": 5}, "options_implemented"),
        ({"investment_amount": "-5", "investment_currency": "USD"}, "investment_amount"),
        ({"sector": "C99"}, "sector"),
        ({"sector": "10"}, "sector"),
        ({"themes": ["energy_efficiency", "astrology"]}, "themes"),
        ({"year": 2999}, "year"),
        ({"country": "XX"}, "country"),
    ],
)
def test_hard_errors_name_the_field(tenancy, fields, field) -> None:
    with pytest.raises(ValidationError) as exc:
        _create(tenancy, fields=fields)
    assert field in _errors(exc)


def test_saving_larger_than_baseline_is_rejected(tenancy) -> None:
    with pytest.raises(ValidationError) as exc:
        _create(
            tenancy,
            fields={"output_unit": "t of product", "output_before": "100", "output_after": "100"},
            impacts=[{"indicator": "energy_saved", "value": "2", "unit": "GWh"}],
            figures=[{"kind": "energy", "unit": "MWh", "before": "1500", "after": "900"}],
        )
    assert "larger than the baseline" in _errors(exc)["impacts"][0]


def test_derived_productivity_intensity_and_payback(tenancy) -> None:
    case = _create(
        tenancy,
        fields={
            "output_unit": "t of product",
            "output_before": "1000",
            "output_after": "1200",
            "investment_amount": "50000",
            "investment_currency": "USD",
            "annual_savings_amount": "20000",
            "annual_savings_currency": "USD",
        },
        impacts=[{"indicator": "energy_saved", "value": "400", "unit": "MWh"}],
        figures=[
            {"kind": "energy", "unit": "GWh", "before": "2", "after": "1.6"},
            {"kind": "waste", "unit": "t", "before": "100", "after": "60"},
        ],
    )
    assert case.payback_years == Decimal("2.500")
    energy, waste = (f.derived(case) for f in case.figures.order_by("kind"))
    assert energy["before"] == Decimal("0.5")  # 1000 t / 2000 MWh
    assert energy["after"] == Decimal("0.75")  # 1200 t / 1600 MWh
    assert energy["change_pct"] == Decimal("50.0")
    assert waste["before"] == Decimal("0.1")  # 100 t / 1000 t
    assert waste["after"] == Decimal("0.05")
    assert waste["change_pct"] == Decimal("-50.0")


def test_figures_need_the_production_output(tenancy) -> None:
    with pytest.raises(ValidationError) as exc:
        _create(tenancy, figures=[{"kind": "water", "unit": "m3", "before": "10", "after": "5"}])
    assert "output_before" in _errors(exc)


def test_only_member_staff_create_and_edit(tenancy) -> None:
    # Member A is active: everyone sees it, so writing for it is refused with 403.
    for actor in (tenancy.staff_b, tenancy.coordinator_a, tenancy.secretariat, tenancy.outsider):
        with pytest.raises(PermissionDenied):
            services.case_create(actor=actor, member=tenancy.member_a, fields=BASE)
    case = make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.case_update(actor=tenancy.coordinator_a, case=case, fields={"title": "x"})
    with pytest.raises(Http404):
        services.case_update(actor=tenancy.staff_b, case=case, fields={"title": "x"})


def test_approved_and_submitted_cases_are_locked(tenancy) -> None:
    from recpnet.exceptions import ConflictError

    for status in (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED):
        case = make_case(tenancy.member_a, status=status)
        with pytest.raises(ConflictError):
            services.case_update(actor=tenancy.staff_a, case=case, fields={"title": "Changed"})


def test_stale_edit_is_a_conflict(tenancy) -> None:
    from recpnet.exceptions import ConflictError

    case = _create(tenancy)
    services.case_update(
        actor=tenancy.staff_a, case=case, fields={"title": "One"}, expected_version=1
    )
    with pytest.raises(ConflictError):
        services.case_update(
            actor=tenancy.staff_a, case=case, fields={"title": "Two"}, expected_version=1
        )


def test_reviewer_flags(tenancy) -> None:
    # Four approved cases in section C with payback 1-4 years, one with huge energy savings.
    for n in range(1, 5):
        make_case(
            tenancy.member_a,
            status=ReviewStatus.APPROVED,
            investment_usd=n * 1000,
            annual_savings_usd=1000,
        )
    quick = make_case(
        tenancy.member_a,
        status=ReviewStatus.SUBMITTED,
        investment_usd=10,
        annual_savings_usd=100_000,
    )
    slow = make_case(
        tenancy.member_a,
        status=ReviewStatus.SUBMITTED,
        investment_usd=90_000,
        annual_savings_usd=1000,
    )
    normal = make_case(
        tenancy.member_a,
        status=ReviewStatus.SUBMITTED,
        investment_usd=2500,
        annual_savings_usd=1000,
    )
    flags = case_flags(cases=[quick, slow, normal])
    assert any("one week" in f for f in flags[quick.pk])
    assert any("Outlier" in f and "payback" in f for f in flags[slow.pk])
    assert flags[normal.pk] == []
