"""The rollup engine against hand-computed figures; idempotence; reopen; crash safety."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from knowledge.evidence.services import reports as report_services
from knowledge.models import Statistic, StatisticSlice
from knowledge.statistics import services as stat_services
from tests.knowledge.stats.conftest import committing, make_case, make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def stat(scope: str, year: int, indicator: str) -> Statistic:
    return Statistic.objects.get(scope=scope, year=year, indicator=indicator)


def test_report_totals_equal_hand_computed(tenancy):
    make_report(
        tenancy,
        enterprises_assisted=10,
        options_identified=540,
        options_implemented=205,
        impacts=[
            {"indicator": "energy_saved", "value": "2", "unit": "GWh"},
            {"indicator": "water_saved", "value": "1500", "unit": "m3"},
        ],
    )
    make_report(
        tenancy,
        member=tenancy.member_b,
        enterprises_assisted=4,
        options_identified=60,
        options_implemented=15,
        impacts=[{"indicator": "energy_saved", "value": "500", "unit": "MWh"}],
    )
    energy = stat("global", 2014, "energy_saved")
    assert energy.total == Decimal("2500")  # 2 GWh + 500 MWh, in MWh/yr
    assert (energy.n_items, energy.n_enterprises, energy.n_members) == (2, 14, 2)
    assert stat("chapter:africa", 2014, "energy_saved").total == Decimal("2000")
    assert stat("country:CO", 2014, "energy_saved").total == Decimal("500")
    assert stat("tier:observer", 2014, "water_saved").total == Decimal("1500")
    assert stat("global", 2014, "options_identified").total == 600
    assert stat("global", 2014, "options_implemented").total == 220
    assert not StatisticSlice.objects.filter(dirty_since__isnull=False).exists()


def test_distributions_equal_hand_computed_quartiles(tenancy):
    # paybacks 0.5, 1, 2, 4 years → p25 0.875, median 1.5, p75 2.5 (linear interpolation)
    for inv, sav in (("50", "100"), ("100", "100"), ("200", "100"), ("400", "100")):
        make_case(tenancy, investment=inv, savings=sav, enterprises=1)
    # water productivity: output 100 → 120, water 50 → 40: (120/40)/(100/50) − 1 = +50 %
    make_case(
        tenancy,
        output=("100", "120"),
        figures=[("water", "50", "40")],
        impacts={"water_saved": "10"},
        sector="I55",
    )
    stat_services.statistics_rebuild()
    payback = stat("global", 2014, "payback_years")
    assert (payback.p25, payback.median, payback.p75) == (
        Decimal("0.875"),
        Decimal("1.5"),
        Decimal("2.5"),
    )
    assert payback.n_items == 4
    assert stat("sector:C", 2014, "payback_years").median == Decimal("1.5")
    assert stat("sector:I", 2014, "water_productivity_change_pct").median == Decimal("50")
    assert stat("sector:I", 2014, "water_saved").total == Decimal("10")


def test_approve_reopen_reapprove_gives_exact_totals(tenancy):
    report = make_report(
        tenancy,
        enterprises_assisted=5,
        impacts=[{"indicator": "ghg_reduced", "value": "700", "unit": "tCO2e"}],
    )
    make_report(
        tenancy,
        member=tenancy.member_b,
        enterprises_assisted=3,
        impacts=[{"indicator": "ghg_reduced", "value": "90", "unit": "tCO2e"}],
    )
    assert stat("global", 2014, "ghg_reduced").total == Decimal("790")
    with committing():
        report = report_services.report_reopen(
            report=report, actor=tenancy.secretariat, comment="Check the GHG figure"
        )
    assert stat("global", 2014, "ghg_reduced").total == Decimal("90")
    assert not Statistic.objects.filter(scope="chapter:africa").exists()
    report = report_services.report_update(
        report=report,
        actor=tenancy.staff_a,
        impacts=[{"indicator": "ghg_reduced", "value": "0.7", "unit": "ktCO2e"}],
    )
    report = report_services.report_submit(report=report, actor=tenancy.staff_a)
    with committing():
        report_services.report_approve(report=report, actor=tenancy.coordinator_a)
    assert stat("global", 2014, "ghg_reduced").total == Decimal("790")
    assert stat("chapter:africa", 2014, "ghg_reduced").total == Decimal("700")


def test_rollup_twice_and_rebuild_change_nothing(tenancy, stats_rows):
    make_report(
        tenancy,
        enterprises_assisted=5,
        options_identified=10,
        options_implemented=4,
        impacts=[{"indicator": "investment", "value": "1000", "unit": "USD"}],
    )
    make_case(tenancy, investment="100", savings="50")
    stat_services.statistics_recompute_slices(slices=[("global", 2014), ("sector:C", 2014)])
    first = stats_rows()
    stat_services.statistics_recompute_slices(slices=[("global", 2014), ("sector:C", 2014)])
    assert stats_rows() == first
    result = stat_services.statistics_rebuild()
    again = stat_services.statistics_rebuild()
    assert again.changed == 0, again.changes
    after = stats_rows()
    # The two slices recomputed above were already exact: the rebuild left them as they were,
    # and what it changed is exactly the rows that differ from before it ran.
    recomputed = ("global", "sector:C")
    assert [r for r in after if r[0] in recomputed] == [r for r in first if r[0] in recomputed]
    assert result.changed == len(set(after) - set(first)) > 0, result.changes


def test_crash_mid_recompute_keeps_previous_rows(tenancy, stats_rows):
    """A recompute that fails half-way (a source row the statistics' own checks refuse) leaves
    every slice it touched exactly as it was: nothing half-written, nothing deleted."""
    from knowledge.statistics.rollups import slices_for_case
    from tests.knowledge.stats.test_poison import _poison_case

    make_report(
        tenancy,
        enterprises_assisted=5,
        impacts=[{"indicator": "water_saved", "value": "5", "unit": "m3"}],
    )
    make_case(tenancy, investment="100", savings="40")
    stat_services.statistics_rebuild()
    before = stats_rows()
    assert before
    poison = _poison_case(tenancy)
    stat_services.statistics_recompute_slices(slices=slices_for_case(poison))
    assert stats_rows() == before
    assert StatisticSlice.objects.filter(failed_since__isnull=False).exists()


def test_errors_duplicate_future_and_below_cases(tenancy):
    make_report(tenancy, approve=False)
    with pytest.raises(ValidationError) as exc:
        make_report(tenancy, approve=False)
    assert "year" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_report(tenancy, year=2999, approve=False)
    assert "Enter a year from 1990 to" in exc.value.message_dict["year"][0]
    make_case(tenancy, year=2013, impacts={"energy_saved": "263000"}, enterprises=43)
    report = make_report(
        tenancy,
        year=2013,
        approve=False,
        enterprises_assisted=50,
        impacts=[{"indicator": "energy_saved", "value": "200", "unit": "GWh"}],
    )
    with pytest.raises(ValidationError) as exc:
        report_services.report_submit(report=report, actor=tenancy.staff_a)
    message = exc.value.message_dict["impacts"][0]
    assert "Energy saved" in message and "200000" in message and "263000" in message


def test_other_tenant_cannot_write(tenancy):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    # Member A is active: everyone sees it, so writing for it is a 403; its draft, a 404.
    with pytest.raises(PermissionDenied):
        report_services.report_create(member=tenancy.member_a, year=2014, actor=tenancy.staff_b)
    report = make_report(tenancy, approve=False)
    with pytest.raises(Http404):
        report_services.report_submit(report=report, actor=tenancy.staff_b)


def test_slice_recomputes_equal_the_full_rebuild(tenancy, stats_rows):
    """Every slice recomputed on its own (the worker's path: filtered queries, only the wanted
    groups) gives exactly the rows of the full rebuild (one pass over everything)."""
    from members.models import Tier
    from tests import factories

    third = factories.MemberFactory(country=factories.country("IN"), tier=Tier.REGULAR)
    for year in (2013, 2014):
        make_report(
            tenancy,
            year=year,
            enterprises_assisted=7,
            options_identified=30,
            options_implemented=12,
            impacts=[{"indicator": "energy_saved", "value": str(year), "unit": "MWh"}],
        )
    make_report(
        tenancy,
        member=tenancy.member_b,
        enterprises_assisted=3,
        impacts=[{"indicator": "water_saved", "value": "8", "unit": "m3"}],
    )
    for n, (member, sector, year) in enumerate(
        [
            (tenancy.member_a, "C10", 2014),
            (tenancy.member_a, "I55", 2014),
            (tenancy.member_b, "C20", 2014),
            (tenancy.member_b, "C20", 2013),
            (third, "A01", 2014),
            (third, "C10", 2014),
        ],
        start=1,
    ):
        make_case(
            tenancy,
            member=member,
            sector=sector,
            year=year,
            investment=str(100 * n),
            savings=str(30 + n),
            enterprises=n,
            impacts={"energy_saved": str(10 * n)},
            output=("100", str(100 + n)),
            figures=[("energy", "50", str(50 - n)), ("waste", "20", str(20 - n))],
            options=(n + 4, n),
        )
    stat_services.statistics_rebuild()
    full = stats_rows()
    slices = sorted({(scope, year) for scope, year, *_ in full})
    assert {s for s, _ in slices} >= {
        "global",
        "chapter:africa",
        "country:CO",
        "tier:regular",
        "sector:C",
        "sector:I",
    }
    Statistic.objects.all().delete()
    for one in slices:
        stat_services.statistics_recompute_slices(slices=[one])
    assert stats_rows() == full
    Statistic.objects.all().delete()
    stat_services.statistics_recompute_slices(slices=slices)  # all in one recompute
    assert stats_rows() == full
