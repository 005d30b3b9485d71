"""Statistics driven by events, with dated dimensions.

Each change that can move a figure — a member's tier or country, a country's chapter, an
exchange rate — marks the affected slices stale in the transaction that made it (rolled back
with it), and once it commits (tasks eager here) the statistics equal a full rebuild. A report
or case of year Y counts under the tier its member held on 31 December of Y: a promotion never
moves an earlier year. The sweep recomputes slices whose task was lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from chapters import services as chapter_services
from knowledge.catalogue import services as catalogue_services
from knowledge.catalogue.models import ExchangeRate
from knowledge.models import AnnualReport, Statistic, StatisticSlice
from knowledge.statistics import rollups, selectors, tiers
from knowledge.statistics import services as stat_services
from members import services as member_services
from members.models import TierChange
from tests import factories
from tests.knowledge.stats.conftest import committing, make_case, make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

ALL_TIERS = ("associate", "observer", "regular")


class Rollback(Exception):
    pass


def energy(value: str) -> list[dict[str, str]]:
    return [{"indicator": "energy_saved", "value": value, "unit": "MWh"}]


def total(scope: str, year: int, indicator: str = "energy_saved") -> Decimal | None:
    row = Statistic.objects.filter(scope=scope, year=year, indicator=indicator).first()
    return None if row is None else row.total


def dirty() -> set[tuple[str, int]]:
    return set(
        StatisticSlice.objects.filter(dirty_since__isnull=False).values_list("scope", "year")
    )


def history(member: Any, *changes: tuple[str, dt.date]) -> None:
    """Tier history rows for a member of the factories (which write none), and its current tier
    from them, as the members' services keep it."""
    for tier, on in changes:
        TierChange.objects.create(member=member, tier=tier, effective_on=on, reason="r")
    latest = member.tier_changes.order_by("-effective_on", "-recorded_at", "-pk").first()
    member.tier = latest.tier
    member.save(update_fields=["tier"])


def admitted(member: Any, tier: str = "observer", on: dt.date = dt.date(2010, 1, 1)) -> None:
    """The member's entry row in the tier history."""
    history(member, (tier, on))


def marks_in_its_transaction(change: Callable[[], Any], expected: set[tuple[str, int]]) -> None:
    """``change`` marks exactly ``expected`` stale inside its transaction, and nothing is left
    marked when that transaction rolls back."""
    assert dirty() == set()
    seen: set[tuple[str, int]] = set()

    def change_then_roll_back() -> None:
        with transaction.atomic():
            change()
            seen.update(dirty())
            raise Rollback

    with pytest.raises(Rollback):
        change_then_roll_back()
    assert seen == expected
    assert dirty() == set()


def settles(change: Callable[[], Any]) -> None:
    """``change`` committed: its recompute ran on commit, nothing is stale, and a full rebuild
    finds nothing to change."""
    with committing():
        change()
    assert dirty() == set()
    assert stat_services.statistics_rebuild().changed == 0


# --- dated tiers --------------------------------------------------------------------------


def test_a_promotion_moves_its_year_and_later_but_never_an_earlier_year(tenancy):
    admitted(tenancy.member_a)
    make_report(tenancy, year=2014, enterprises_assisted=3, impacts=energy("100"))
    make_report(tenancy, year=2016, enterprises_assisted=3, impacts=energy("200"))
    assert total("tier:observer", 2014) == Decimal("100")
    assert total("tier:observer", 2016) == Decimal("200")

    def promote() -> None:
        member_services.member_change_tier(
            actor=tenancy.secretariat,
            member=tenancy.member_a,
            tier="regular",
            effective_on=dt.date(2016, 3, 1),
            reason="Contributed evidence",
        )

    # The three tier slices of 2016 (old and new among them), none of 2014.
    marks_in_its_transaction(promote, {(f"tier:{t}", 2016) for t in ALL_TIERS})
    settles(promote)
    tenancy.member_a.refresh_from_db()
    assert tenancy.member_a.tier == "regular"
    assert total("tier:observer", 2014) == Decimal("100")  # history is not rewritten
    assert total("tier:regular", 2014) is None
    assert total("tier:regular", 2016) == Decimal("200")
    assert total("tier:observer", 2016) is None
    assert total("global", 2016) == Decimal("200")


def test_a_year_counts_the_tier_held_on_31_december(tenancy):
    history(
        tenancy.member_a,
        ("observer", dt.date(2010, 1, 1)),
        ("associate", dt.date(2014, 12, 31)),
        ("regular", dt.date(2015, 1, 1)),
    )
    report_2013 = make_report(tenancy, year=2013, impacts=energy("1"))
    report_2014 = make_report(tenancy, year=2014, impacts=energy("10"))
    report_2015 = make_report(tenancy, year=2015, impacts=energy("100"))
    case = make_case(tenancy, year=2014, investment="100", savings="50")
    stat_services.statistics_rebuild()
    assert total("tier:observer", 2013) == Decimal("1")
    assert total("tier:associate", 2014) == Decimal("10")
    assert total("tier:regular", 2015) == Decimal("100")
    payback = Statistic.objects.get(scope="tier:associate", year=2014, indicator="payback_years")
    assert payback.median == Decimal("2")
    assert ("tier:associate", 2014) in rollups.slices_for_report(report_2014)
    assert ("tier:associate", 2014) in rollups.slices_for_case(case)
    assert ("tier:observer", 2013) in rollups.slices_of_year(2013)
    # The drill-down behind a tier's figure lists the items of that dated tier.
    items = selectors.drilldown(actor=tenancy.secretariat, scope="tier:associate", year=2014)
    assert [r.pk for r in items["reports"]] == [report_2014.pk]
    assert [c.pk for c in items["cases"]] == [case.pk]
    regular = selectors.drilldown(actor=tenancy.secretariat, scope="tier:regular", year=2014)
    assert regular["reports"] == [] and regular["cases"] == []
    later = selectors.drilldown(actor=tenancy.secretariat, scope="tier:regular", year=2015)
    assert [r.pk for r in later["reports"]] == [report_2015.pk]
    assert report_2013.pk in [
        r.pk
        for r in selectors.drilldown(actor=tenancy.secretariat, scope="tier:observer", year=2013)[
            "reports"
        ]
    ]


def test_years_before_the_first_change_count_the_entry_tier(tenancy):
    # A founding member admitted as regular in 2010: its 2008 report counts as regular.
    admitted(tenancy.member_a, tier="regular", on=dt.date(2010, 3, 15))
    # Member B has no tier history at all: its current tier (observer) counts.
    make_report(tenancy, year=2008, impacts=energy("8"))
    make_report(tenancy, member=tenancy.member_b, year=2008, impacts=energy("2"))
    assert total("tier:regular", 2008) == Decimal("8")
    assert total("tier:observer", 2008) == Decimal("2")
    assert stat_services.statistics_rebuild().changed == 0


def test_the_three_readers_of_the_dated_tier_agree(tenancy):
    """Python timelines, the ORM expression and the SQL tier periods give the same tier for
    every member and year: a history with two changes in one year, same-day changes (the later
    recorded wins), a demotion; a member without history; and one whose current tier is out of
    step with its history (never through the services: the rule still reads the same)."""
    from django.db import connection

    a, b = tenancy.member_a, tenancy.member_b
    c = factories.MemberFactory(tier="regular")
    history(
        a,
        ("associate", dt.date(2011, 5, 1)),
        ("observer", dt.date(2011, 2, 1)),
        ("regular", dt.date(2013, 6, 1)),
        ("associate", dt.date(2013, 6, 1)),  # same day, recorded later: wins
        ("observer", dt.date(2016, 12, 31)),
    )
    for tier, day in (("observer", dt.date(2010, 1, 1)), ("associate", dt.date(2012, 1, 1))):
        TierChange.objects.create(member=c, tier=tier, effective_on=day, reason="r")
    expected = {
        a.pk: {
            2009: "observer",  # the entry tier: the earliest change's (2011-02-01)
            2010: "observer",
            2011: "associate",
            2012: "associate",
            2013: "associate",
            2015: "associate",
            2016: "observer",
            2020: "observer",
        },
        b.pk: dict.fromkeys((2009, 2013, 2020), "observer"),  # no history: the current tier
        c.pk: {2009: "observer", 2011: "observer", 2012: "regular", 2020: "regular"},
    }
    for member_id, years in expected.items():
        for year in years:
            AnnualReport.objects.create(member_id=member_id, year=year)
    timelines = tiers.TierTimelines.load(expected)

    def by_sql(year: int, from_year: int | None) -> dict[int, str]:
        ctes = tiers.periods_ctes(from_year=from_year)
        join = tiers.periods_join(member_id="r.member_id", year="r.year")
        sql = " ".join(
            [
                f"WITH {ctes} SELECT r.member_id, {tiers.tier_column('m')}",
                "FROM knowledge_annualreport r JOIN members_member m ON m.id = r.member_id",
                join,
                "WHERE r.year = %s",
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [year])
            return dict(cursor.fetchall())

    for member_id, years in expected.items():
        for year, tier in years.items():
            assert timelines.at(member_id, year) == tier, (member_id, year)
            assert tiers.tier_in_year(member_id, year) == tier, (member_id, year)
            orm = AnnualReport.objects.filter(member_id=member_id, year=year).annotate(
                t=tiers.tier_at_year_end("member", year)
            )
            assert orm.values_list("t", flat=True).get() == tier, (member_id, year)
            assert by_sql(year, None)[member_id] == tier, (member_id, year)
            assert by_sql(year, year)[member_id] == tier, (member_id, year)


# --- the events ---------------------------------------------------------------------------


def test_a_back_dated_first_change_restates_every_year(tenancy):
    make_report(tenancy, year=2012, impacts=energy("5"))
    make_report(tenancy, year=2015, impacts=energy("7"))

    def first_change() -> None:
        member_services.member_change_tier(
            actor=tenancy.secretariat,
            member=tenancy.member_a,
            tier="associate",
            effective_on=dt.date(2014, 1, 1),
            reason="First recorded tier",
        )

    # No earlier change: the entry tier moved, so 2012 is restated too.
    expected = {(f"tier:{t}", y) for t in ALL_TIERS for y in (2012, 2015)}
    marks_in_its_transaction(first_change, expected)
    settles(first_change)
    assert total("tier:associate", 2012) == Decimal("5")
    assert total("tier:observer", 2012) is None


def test_a_member_moving_country_moves_its_reports(tenancy):
    make_report(tenancy, year=2014, enterprises_assisted=2, impacts=energy("40"))
    make_report(tenancy, member=tenancy.member_b, year=2014, impacts=energy("1"))
    case = make_case(tenancy, year=2013, investment="10", savings="5")  # its own country
    stat_services.statistics_rebuild()
    assert total("country:KE", 2014) == Decimal("40")

    def move() -> None:
        member_services.member_update(
            actor=tenancy.secretariat, member=tenancy.member_a, country="CO"
        )

    expected = {
        ("country:KE", 2014),
        ("country:CO", 2014),
        ("chapter:africa", 2014),
        ("chapter:latin-america-caribbean", 2014),
    }
    marks_in_its_transaction(move, expected)
    settles(move)
    assert total("country:KE", 2014) is None
    assert total("country:CO", 2014) == Decimal("41")
    assert total("chapter:latin-america-caribbean", 2014) == Decimal("41")
    assert total("chapter:africa", 2014) is None
    # The case keeps the country it was written for.
    assert ("country:KE", 2013) in rollups.slices_for_case(case)
    assert Statistic.objects.filter(scope="country:KE", year=2013).exists()


def test_a_country_moving_chapter_restates_both_chapters(tenancy):
    make_report(tenancy, year=2013, impacts=energy("3"))
    make_report(tenancy, year=2014, impacts=energy("4"))
    make_case(tenancy, year=2012, investment="10", savings="5")
    make_report(tenancy, member=tenancy.member_b, year=2014, impacts=energy("9"))
    stat_services.statistics_rebuild()
    arab_states = factories.chapter("arab-states")

    def move() -> None:
        chapter_services.country_assign(actor=tenancy.secretariat, code="KE", chapter=arab_states)

    expected = {(f"chapter:{c}", y) for c in ("africa", "arab-states") for y in (2012, 2013, 2014)}
    marks_in_its_transaction(move, expected)
    settles(move)
    assert total("chapter:arab-states", 2014) == Decimal("4")
    assert total("chapter:arab-states", 2013) == Decimal("3")
    assert Statistic.objects.filter(scope="chapter:arab-states", year=2012).exists()
    assert not Statistic.objects.filter(scope__startswith="chapter:africa").exists()


def test_an_exchange_rate_marks_the_slices_of_its_items(tenancy):
    ExchangeRate.objects.create(
        currency="EUR", year=2014, usd_per_unit=Decimal("1.3285"), source="ECB"
    )
    make_report(
        tenancy,
        year=2014,
        impacts=[{"indicator": "investment", "value": "1000", "unit": "EUR"}],
    )
    make_report(tenancy, member=tenancy.member_b, year=2014, impacts=energy("9"))  # USD only
    make_report(tenancy, member=tenancy.member_b, year=2013, impacts=energy("9"))

    def revalue() -> None:
        catalogue_services.exchange_rate_save(
            actor=tenancy.secretariat,
            currency="EUR",
            year=2014,
            usd_per_unit=Decimal("1.3300"),
            source="ECB, revised",
        )

    # The euro report's slices only: member B's 2014 report is in USD.
    expected = {("global", 2014), ("chapter:africa", 2014), ("country:KE", 2014)}
    expected.add(("tier:observer", 2014))
    marks_in_its_transaction(revalue, expected)
    settles(revalue)


def test_an_indicator_unit_change_marks_the_slices_with_that_indicator(tenancy):
    make_report(tenancy, year=2014, impacts=energy("9"))
    make_report(
        tenancy,
        member=tenancy.member_b,
        year=2013,
        impacts=[{"indicator": "water_saved", "value": "5", "unit": "m3"}],
    )
    from knowledge.catalogue.events import IndicatorUnitChanged
    from knowledge.statistics.subscribers import indicator_unit_slices

    slices = set(indicator_unit_slices(IndicatorUnitChanged(code="energy_saved")))
    assert slices == {
        ("global", 2014),
        ("chapter:africa", 2014),
        ("country:KE", 2014),
        ("tier:observer", 2014),
    }


def _admin(t: Any) -> Any:
    from django.test import Client

    from recpnet.models import User

    User.objects.filter(pk=t.secretariat.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(t.secretariat)
    return client


def _admin_save(client: Any, url: str, field: str, **changes: str) -> None:
    from tests.test_round_trip import form_as_browser

    page = client.get(url)
    assert page.status_code == 200
    data = form_as_browser(page.content.decode(), field)
    data.update({name: [value] for name, value in changes.items()})
    with committing():
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_the_admin_moving_a_member_or_a_country_restates_the_statistics(tenancy):
    from django.urls import reverse

    make_report(tenancy, year=2014, impacts=energy("40"))
    client = _admin(tenancy)
    member_url = reverse("admin:members_member_change", args=[tenancy.member_a.pk])
    _admin_save(client, member_url, "country", country="CO")
    assert dirty() == set()
    assert total("country:CO", 2014) == Decimal("40")
    assert total("country:KE", 2014) is None
    assert total("chapter:latin-america-caribbean", 2014) == Decimal("40")

    arab_states = factories.chapter("arab-states")
    country_url = reverse("admin:chapters_country_change", args=["CO"])
    _admin_save(client, country_url, "chapter", chapter=str(arab_states.pk))
    assert dirty() == set()
    assert total("chapter:arab-states", 2014) == Decimal("40")
    assert total("chapter:latin-america-caribbean", 2014) is None
    assert stat_services.statistics_rebuild().changed == 0


# --- the sweep ----------------------------------------------------------------------------


def test_the_sweep_recomputes_a_slice_whose_task_was_lost(tenancy, stats_rows):
    make_report(tenancy, year=2014, impacts=energy("10"))
    good = stats_rows()
    # An approval whose recompute task never ran: the slices are marked, nothing enqueued.
    report = make_report(tenancy, member=tenancy.member_b, year=2014, approve=False)
    from knowledge.evidence.services import reports as report_services

    report = report_services.report_submit(report=report, actor=tenancy.staff_b)
    report_services.report_approve(report=report, actor=tenancy.coordinator_b)  # no commit
    lost = set(rollups.slices_for_report(report))
    assert dirty() == lost
    assert stats_rows() == good  # stale: the statistics do not have it yet

    now = timezone.now()
    inside_grace = stat_services.statistics_sweep_stale(now=now + dt.timedelta(seconds=30))
    assert inside_grace.slices == 0  # a task enqueued on commit still has time to run
    assert dirty() == lost

    swept = stat_services.statistics_sweep_stale(now=now + dt.timedelta(minutes=3))
    assert swept.slices == len(lost)
    assert dirty() == set()
    assert stats_rows() != good
    assert stat_services.statistics_rebuild().changed == 0
    # Idempotent: nothing left to sweep, a second run does nothing.
    assert stat_services.statistics_sweep_stale(now=now + dt.timedelta(minutes=6)).slices == 0


def test_the_sweep_takes_a_bounded_batch_oldest_first(tenancy):
    now = timezone.now()
    old, older = now - dt.timedelta(minutes=5), now - dt.timedelta(minutes=50)
    StatisticSlice.objects.bulk_create(
        [
            StatisticSlice(scope="country:KE", year=2014, dirty_since=old),
            StatisticSlice(scope="country:CO", year=2013, dirty_since=older),
            StatisticSlice(scope="global", year=2014, dirty_since=now),  # within the grace
        ]
    )
    first = stat_services.statistics_sweep_stale(now=now, limit=1)
    assert first.slices == 1
    assert dirty() == {("country:KE", 2014), ("global", 2014)}
    stat_services.statistics_sweep_stale(now=now)
    assert dirty() == {("global", 2014)}


def test_the_sweep_retries_a_failing_slice_at_most_hourly(tenancy):
    now = timezone.now()
    failed_at = now - dt.timedelta(minutes=10)
    StatisticSlice.objects.create(
        scope="country:KE",
        year=2014,
        dirty_since=now - dt.timedelta(hours=2),
        failed_since=failed_at,
        failed_at=failed_at,
        failures=1,
        error="ValueError: poison",
    )
    assert stat_services.statistics_sweep_stale(now=now).slices == 0  # failed 10 minutes ago
    assert stat_services.statistics_sweep_stale(now=now + dt.timedelta(hours=1)).slices == 1
    row = StatisticSlice.objects.get(scope="country:KE", year=2014)
    assert (row.dirty_since, row.failed_since, row.failures) == (None, None, 0)  # computes now


def test_the_sweep_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["knowledge-sweep-stale-statistics"]
    assert entry["task"] == "knowledge.sweep_stale_statistics"
    assert entry["schedule"] <= 10 * 60
    # A sweep that waited in the queue past the next one is dropped (django_celery_beat's key).
    assert entry["options"]["expire_seconds"] < entry["schedule"]
    from recpnet.celery import app

    assert "knowledge.sweep_stale_statistics" in app.tasks


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_recompute_lost_with_the_broker_is_swept_by_a_real_worker(tenancy, celery_worker):
    """Redis unreachable when the approval commits: its recompute is never enqueued. Once the
    grace period has passed, the periodic sweep, sent through the broker to a real worker,
    recomputes the slices."""
    import time

    from knowledge.statistics.tasks import sweep_stale_statistics
    from recpnet.celery import app

    def reset_pools() -> None:
        app._pool = None  # kombu caches its connection pools: new ones from the current URL
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # a closed port
    reset_pools()
    try:
        report = make_report(tenancy, year=2014, impacts=energy("7"))
    finally:
        app.conf.broker_url = old
        reset_pools()
    lost = set(rollups.slices_for_report(report))
    assert dirty() == lost
    assert total("global", 2014) is None
    # Three minutes later (the grace period is two):
    StatisticSlice.objects.update(dirty_since=timezone.now() - dt.timedelta(minutes=3))
    sweep_stale_statistics.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and dirty():
        time.sleep(0.2)
    assert dirty() == set()
    assert total("global", 2014) == Decimal("7")
    assert total("tier:observer", 2014) == Decimal("7")
    assert stat_services.statistics_rebuild().changed == 0
