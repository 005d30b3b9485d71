"""In a real browser: a member opens a submitted-then-returned annual report with figures in
GJ, ML, t and tCO2e (and a case with mixed units and before/after figures) and saves it
without touching anything; every stored value, unit, version and history entry is unchanged.

This is the defect that published 0.32 t of waste instead of 320 t: the report's edit page
reset every unit to the first of its list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from knowledge.evidence.services import cases as case_services
from knowledge.evidence.services import reports as report_services
from knowledge.models import Indicator
from members.models import Role
from tests import factories
from tests.browser.test_case_journey import _log_in, _reference_data
from tests.test_round_trip import assert_same, case_snapshot, report_snapshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

INDICATORS = {
    "water_saved": ("Water saved", "m3/yr", ["L", "m3", "ML", "GL"]),
    "waste_reduced": ("Waste reduced", "t/yr", ["kg", "t", "kt"]),
    "wastewater_reduced": ("Wastewater reduced", "m3/yr", ["L", "m3", "ML", "GL"]),
    "ghg_reduced": ("GHG emissions reduced", "tCO2e/yr", ["kgCO2e", "tCO2e", "ktCO2e"]),
}


def _indicators() -> None:
    _reference_data()
    for position, (code, (name, unit, input_units)) in enumerate(INDICATORS.items(), start=2):
        Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "category": "impact",
                "input_units": input_units,
                "position": position,
            },
        )


def _people() -> tuple[Any, Any, Any]:
    member = factories.MemberFactory(slug="kncpc", country=factories.country("KE"))
    staff = factories.MembershipFactory(member=member, role=Role.STAFF).user
    coordinator = factories.CoordinatorFactory(chapter=factories.chapter("africa")).user
    return member, staff, coordinator


def test_a_returned_report_saved_unchanged_keeps_every_figure(page: Any, live_server: Any) -> None:
    _indicators()
    member, staff, coordinator = _people()
    report = report_services.report_create(
        member=member,
        year=2014,
        actor=staff,
        activity={"enterprises_assisted": 12, "options_identified": 30, "options_implemented": 9},
        impacts=[
            {"indicator": "energy_saved", "value": "50", "unit": "GJ"},
            {"indicator": "water_saved", "value": "3", "unit": "ML"},
            {"indicator": "waste_reduced", "value": "320", "unit": "t"},
            {"indicator": "ghg_reduced", "value": "2100", "unit": "tCO2e"},
        ],
    )
    report = report_services.report_submit(report=report, actor=staff)
    report_services.report_return(report=report, actor=coordinator, comment="Check the units")
    before = report_snapshot(report)

    _log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/members/kncpc/reports/2014/edit/")
    expect(page.locator("#unit_energy_saved")).to_have_value("GJ")
    expect(page.locator("#unit_water_saved")).to_have_value("ML")
    expect(page.locator("#unit_waste_reduced")).to_have_value("t")
    expect(page.locator("#unit_ghg_reduced")).to_have_value("tCO2e")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(f"{live_server.url}/members/kncpc/reports/2014/")

    assert_same(before, report_snapshot(report))
    stored = {i.indicator.code: i.stored_value for i in report.impacts.select_related("indicator")}
    assert stored == {
        "energy_saved": Decimal("13.888889"),
        "water_saved": Decimal("3000"),
        "waste_reduced": Decimal("320"),
        "ghg_reduced": Decimal("2100"),
    }


def test_a_returned_case_saved_unchanged_keeps_every_figure(page: Any, live_server: Any) -> None:
    _indicators()
    member, staff, coordinator = _people()
    case = case_services.case_create(
        actor=staff,
        member=member,
        fields={
            "title": "Condensate recovery",
            "enterprise_name": "Nile Dairy Ltd",
            "country": "KE",
            "sector": "C10",
            "enterprise_size": "medium",
            "year": 2013,
            "themes": ["water", "energy_efficiency"],
            "methodology": "cp_assessment",
            "summary": "Steam traps replaced.\nCondensate returned to the boiler.",
            "options_identified": 12,
            "options_implemented": 7,
            "investment_amount": "25000",
            "investment_currency": "USD",
            "output_unit": "t of milk",
            "output_before": "10000",
            "output_after": "10000.5",
        },
        impacts=[
            {"indicator": "energy_saved", "value": "20", "unit": "GJ"},
            {"indicator": "waste_reduced", "value": "0.32", "unit": "kt"},
        ],
        figures=[
            {"kind": "water", "before": "3", "after": "2.25", "unit": "ML"},
            {"kind": "ghg", "before": "2100", "after": "1800", "unit": "tCO2e"},
        ],
    )
    case = case_services.case_submit(actor=staff, case=case)
    case_services.case_return(actor=coordinator, case=case, comment="Please add the basis")
    before = case_snapshot(case)

    _log_in(page, live_server, staff)
    page.goto(f"{live_server.url}/cases/{case.public_id}/edit/")
    expect(page.locator("#id_impact_energy_saved_value")).to_have_value("20")
    expect(page.locator("#id_impact_energy_saved_unit")).to_have_value("GJ")
    expect(page.locator("#id_output_before")).to_have_value("10000")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(f"{live_server.url}/cases/{case.public_id}/")

    assert_same(before, case_snapshot(case))
