"""A poison item cannot freeze statistics, and sums always fit their columns.

The poison is a real row the database refuses to roll up, with no service of ours mocked: a
case with a negative enterprise count written past its CHECK constraint (dropped inside the
test's transaction on PostgreSQL, ignored on SQLite), so its statistic rows break the
statistics' own ``>= 0`` checks. Both stand for rows stored before the input bounds, or by a
bulk load that skipped them. Each test runs on SQLite and, marked ``postgres``, on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from knowledge.evidence.events import ReviewedItemChanged
from knowledge.models import ACTIVITY_FIELDS, AnnualReport, Case, Statistic, StatisticSlice
from knowledge.statistics import rollups
from knowledge.statistics import services as stat_services
from knowledge.statistics.subscribers import on_review
from knowledge.statistics.tasks import rebuild_statistics
from tests.knowledge.stats.conftest import committing, make_case, make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

INT_MAX = 2_147_483_647  # the largest value of a PostgreSQL ``integer`` counter column


def _total(scope: str, year: int = 2014, indicator: str = "energy_saved") -> Any:
    return (
        Statistic.objects.filter(scope=scope, year=year, indicator=indicator)
        .values_list("total", flat=True)
        .first()
    )


def _energy(value: str) -> list[dict[str, str]]:
    return [{"indicator": "energy_saved", "value": value, "unit": "MWh"}]


# --- sums fit their columns ---------------------------------------------------------------


def test_counters_at_their_column_maximum_sum_into_their_columns(tenancy, stats_rows):
    """Two reports and two cases with every counter at the largest integer their column holds:
    their sums (twice that) are stored, and recomputing and rebuilding keep working."""
    reports = [
        make_report(tenancy, member=member, enterprises_assisted=1, impacts=_energy("5"))
        for member in (tenancy.member_a, tenancy.member_b)
    ]
    # Rows as stored before the input bounds (which now refuse such counts at the door).
    AnnualReport.objects.filter(pk__in=[r.pk for r in reports]).update(
        **dict.fromkeys(ACTIVITY_FIELDS, INT_MAX)
    )
    cases = [
        make_case(
            tenancy,
            member=member,
            investment="100",
            savings="40",
            enterprises=INT_MAX,
            options=(INT_MAX, INT_MAX),
            impacts={"energy_saved": "3"},
        )
        for member in (tenancy.member_a, tenancy.member_b)
    ]
    slices = {s for r in reports for s in rollups.slices_for_report(r)}
    slices |= {s for c in cases for s in rollups.slices_for_case(c)}
    stat_services.statistics_recompute_slices(slices=slices)

    twice = 2 * INT_MAX
    row = Statistic.objects.get(scope="global", year=2014, indicator="enterprises_assisted")
    assert (row.total, row.n_enterprises) == (Decimal(twice), twice)
    energy = Statistic.objects.get(scope="global", year=2014, indicator="energy_saved")
    assert energy.n_enterprises == twice  # each impact row counts its report's enterprises
    sector = Statistic.objects.get(scope="sector:C", year=2014, indicator="options_identified")
    assert (sector.total, sector.n_enterprises) == (Decimal(twice), twice)
    payback = Statistic.objects.get(scope="global", year=2014, indicator="payback_years")
    assert payback.n_enterprises == twice
    assert not StatisticSlice.objects.filter(failed_since__isnull=False).exists()

    expected = stats_rows()
    with committing():
        result = stat_services.statistics_rebuild()
    assert (result.changed, result.failed) == (0, ())
    assert stats_rows() == expected


@pytest.mark.postgres
def test_counters_at_their_column_maximum_on_postgresql(tenancy, stats_rows):
    test_counters_at_their_column_maximum_sum_into_their_columns(tenancy, stats_rows)


# --- one poison item ----------------------------------------------------------------------


def _poison_case(t: Any) -> Case:
    """An approved case of member A (Kenya, sector C, 2014) that its slices cannot store."""
    case = make_case(t, investment="100", savings="40")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Dropped inside the test's transaction, so the rollback restores it (deferred
            # foreign-key checks run first: PostgreSQL alters no table with pending ones).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for constraint in ("case_enterprises_min", "knowledge_case_enterprises_check"):
                cursor.execute(
                    f"ALTER TABLE {Case._meta.db_table} DROP CONSTRAINT IF EXISTS {constraint}"
                )
            Case.objects.filter(pk=case.pk).update(enterprises=-5)
            return case
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            Case.objects.filter(pk=case.pk).update(enterprises=-5)
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
    return case


def _cure(case: Case) -> None:
    """What correcting the case does to its row: a payback of 10 years, 3 enterprises."""
    Case.objects.filter(pk=case.pk).update(
        investment_usd=Decimal(400), annual_savings_usd=Decimal(40), enterprises=3
    )


POISONED = ("global", "chapter:africa", "country:KE", "sector:C")


def _failing() -> dict[tuple[str, int], StatisticSlice]:
    return {(s.scope, s.year): s for s in StatisticSlice.objects.filter(failed_since__isnull=False)}


def test_a_poison_slice_fails_alone_is_shown_and_clears_when_fixed(tenancy, caplog):
    make_report(tenancy, impacts=_energy("5"))
    case = _poison_case(tenancy)
    # The case's approval hook: marks its slices stale and recomputes them (eager task). Every
    # one of them holds the poison, so each fails, alone, and is recorded.
    with committing():
        on_review(ReviewedItemChanged(item=case, action="approve"))
    failing = _failing()
    assert set(failing) == set(rollups.slices_for_case(case))
    assert "statistics slice global 2014 failed to recompute" in caplog.text

    # Member B's report touches global 2014 (poisoned) and Colombia's slices (healthy).
    make_report(tenancy, member=tenancy.member_b, impacts=_energy("7"))
    assert _total("country:CO") == Decimal(7)  # recomputed although global failed
    assert _total("chapter:latin-america-caribbean") == Decimal(7)
    assert _total("global") == Decimal(5)  # the previous rows stay
    failing = _failing()
    global_ = failing[("global", 2014)]
    assert global_.failures == 2
    assert global_.failed_at and global_.failed_since and global_.failed_at > global_.failed_since
    assert global_.dirty_since is not None  # stays stale: the dashboards say so
    assert global_.error.startswith(("DataError", "IntegrityError"))
    assert ["case", case.pk] in global_.suspects
    assert not StatisticSlice.objects.get(scope="country:CO", year=2014).failures

    # /healthz: still 200, statistics named degraded with the number of failing slices.
    health = Client().get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["statistics"]["failing_slices"] == len(failing) >= len(POISONED)
    assert body["statistics"]["status"] == "degraded"
    assert body["status"] == "degraded"
    assert body["statistics"]["as_of"] is not None

    # The secretariat's page lists each failing slice with its error and the case to look at.
    client = Client()
    client.force_login(tenancy.secretariat)
    page = client.get(reverse("knowledge:stats-failures"))
    assert page.status_code == 200
    html = page.content.decode()
    for scope in POISONED:
        assert f">{scope}</a>" in html
    assert reverse("knowledge:case-detail", kwargs={"public_id": case.public_id}) in html
    assert global_.error.split(":")[0] in html
    client.force_login(tenancy.coordinator_a)
    assert client.get(reverse("knowledge:stats-failures")).status_code == 403

    # Corrected, the next recompute of those slices clears every failure.
    _cure(case)
    with committing():
        on_review(ReviewedItemChanged(item=case, action="approve"))
    assert _failing() == {}
    assert _total("global") == Decimal(12)
    assert not StatisticSlice.objects.filter(dirty_since__isnull=False).exists()
    body = Client().get("/healthz").json()
    assert (body["statistics"]["failing_slices"], body["statistics"]["status"]) == (0, "ok")
    client.force_login(tenancy.secretariat)
    assert (
        b"Every statistics slice computes."
        in client.get(reverse("knowledge:stats-failures")).content
    )


@pytest.mark.postgres
def test_a_poison_slice_fails_alone_on_postgresql(tenancy, caplog):
    test_a_poison_slice_fails_alone_is_shown_and_clears_when_fixed(tenancy, caplog)


def test_the_nightly_rebuild_completes_every_other_slice_and_reports_the_poison(
    tenancy, stats_rows, caplog
):
    make_report(tenancy, year=2013, impacts=_energy("2"))
    make_report(tenancy, impacts=_energy("5"))
    report_b = make_report(tenancy, member=tenancy.member_b, impacts=_energy("7"))
    expected_2013 = [row for row in stats_rows() if row[1] == 2013]
    # Work the rebuild must do besides: 2013 lost its rows, Colombia's figure drifted.
    Statistic.objects.filter(year=2013).delete()
    report_b.impacts.update(stored_value=Decimal(9))
    case = _poison_case(tenancy)  # its sector slice has no bookkeeping row yet

    with committing():
        outcome = rebuild_statistics()  # the nightly task, run in-process
    failed = {line.split(": ", 1)[0] for line in outcome["failed"]}
    assert {f"{scope} 2014" for scope in POISONED} <= failed
    assert [row for row in stats_rows() if row[1] == 2013] == expected_2013
    assert _total("country:CO") == Decimal(9)
    assert _total("global") == Decimal(12)  # as before: the poisoned slice kept its rows
    failing = _failing()
    assert {(s, 2014) for s in POISONED} <= set(failing)
    assert ["case", case.pk] in failing[("sector:C", 2014)].suspects
    assert failing[("global", 2014)].dirty_since is not None
    assert not StatisticSlice.objects.get(scope="global", year=2013).dirty_since
    assert "slices failed and stay stale" in caplog.text

    # Run again: still failing (counted), nothing else to change.
    with committing():
        again = stat_services.statistics_rebuild()
    assert again.changed == 0 and len(again.failed) == len(outcome["failed"])
    assert _failing()[("global", 2014)].failures == 2

    _cure(case)
    with committing():
        cured = stat_services.statistics_rebuild()
    assert cured.failed == ()
    assert _failing() == {}
    assert _total("global") == Decimal(14)
    assert not StatisticSlice.objects.filter(dirty_since__isnull=False).exists()


@pytest.mark.postgres
def test_the_nightly_rebuild_completes_the_others_on_postgresql(tenancy, stats_rows, caplog):
    test_the_nightly_rebuild_completes_every_other_slice_and_reports_the_poison(
        tenancy, stats_rows, caplog
    )


def test_the_failures_page_costs_the_same_however_many_fail(tenancy, django_assert_num_queries):
    # 1-5 a reviewer's request: session, user, memberships and chapters (navigation), the
    #   authenticator app
    # 6 the failing slices
    # 7 their suspect cases (suspect reports would be one query more; here every report was
    #   computed before the poison came, so none is a suspect)
    # 8-10 the session saved: SAVEPOINT, UPDATE, RELEASE
    queries = 10
    make_report(tenancy, impacts=_energy("5"))
    with committing():
        case = _poison_case(tenancy)
        stat_services.statistics_recompute_slices(slices=rollups.slices_for_case(case))
    client = Client()
    client.force_login(tenancy.secretariat)
    url = reverse("knowledge:stats-failures")
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    make_report(tenancy, member=tenancy.member_b, year=2013, impacts=_energy("7"))
    with committing():
        other = _poison_case(tenancy)
        Case.objects.filter(pk=other.pk).update(year=2013)
        other.refresh_from_db()
        stat_services.statistics_recompute_slices(slices=rollups.slices_for_case(other))
    assert len(_failing()) == 10
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
