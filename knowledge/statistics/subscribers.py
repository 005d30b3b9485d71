"""What the statistics do when something below them changes: every event that can alter a
figure marks the affected slices stale *in the transaction that made the change* (the
:class:`~knowledge.statistics.models.StatisticSlice` rows are the outbox), and enqueues their
recompute once that transaction commits. A recompute that is lost (broker down, worker killed)
is picked up by the periodic sweep of stale slices
(:func:`~knowledge.statistics.services.statistics_sweep_stale`).

Each handler works out exactly which slices the change can move, from the approved items:

- an approval or reopening: the item's slices (its year's global, chapter, country, dated tier
  and, for a case, sector);
- a member's tier history: the tier slices of every year from the change's year on in which
  the member has approved items (every year, when the change is its earliest: the entry tier
  moved). All three tiers of those years: the tier the member held before the change is no
  longer in the database when the event arrives (nor is a removed or edited row), and it and
  the new tier are among the three; a slice whose items did not move recomputes to the same
  rows;
- a member's country: the old and the new country's and chapter's slices of the years of its
  approved reports (a case keeps its own country);
- a country's chapter: the old and the new chapter's slices of the years in which the country
  has approved reports or cases;
- an exchange rate (currency, year): the slices of that year's approved items with a money
  figure in that currency;
- an indicator's unit: every slice that has figures of that indicator.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Q

from chapters.events import CountryChapterChanged
from knowledge.catalogue.events import ExchangeRateChanged, IndicatorUnitChanged
from knowledge.evidence.events import ReviewedItemChanged
from knowledge.evidence.models.cases import Case
from knowledge.evidence.models.reports import AnnualReport
from knowledge.evidence.models.review import ReviewAction, ReviewStatus
from knowledge.statistics import rollups
from knowledge.statistics.models import Statistic
from knowledge.statistics.services import statistics_mark_dirty
from knowledge.statistics.tasks import recompute_statistics
from members.events import MemberCountryChanged, MemberTierChanged
from members.models import Tier, TierChange
from recpnet import events

logger = logging.getLogger(__name__)

# Only these change what counts: a submitted or returned item was not approved before or after.
ROLLUP_ACTIONS = frozenset({ReviewAction.APPROVE, ReviewAction.REOPEN})


def enqueue_recompute(slices: list[rollups.Slice]) -> None:
    """Send the recompute of ``slices`` to the workers. A broker that does not answer is logged,
    not raised: the slices stay marked stale and the sweep recomputes them."""
    try:
        recompute_statistics.apply_async(
            args=([list(s) for s in slices],),
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        )
    except Exception:
        logger.exception("could not enqueue the recompute of %d stale slices", len(slices))


def mark_stale(slices: list[rollups.Slice]) -> None:
    """Mark ``slices`` stale now (in the caller's transaction) and recompute them after it
    commits."""
    if not slices:
        return
    statistics_mark_dirty(slices=slices)
    transaction.on_commit(lambda: enqueue_recompute(slices))


def on_review(event: ReviewedItemChanged) -> None:
    if event.action not in ROLLUP_ACTIONS:
        return
    item = event.item
    if isinstance(item, AnnualReport):
        mark_stale(rollups.slices_for_report(item))
    elif isinstance(item, Case):
        mark_stale(rollups.slices_for_case(item))


def _approved_reports() -> Any:
    return AnnualReport.objects.filter(status=ReviewStatus.APPROVED).order_by()


def _approved_cases() -> Any:
    return Case.objects.filter(status=ReviewStatus.APPROVED).order_by()


def _years(qs: Any) -> set[int]:
    return set(qs.values_list("year", flat=True).distinct())


def tier_change_slices(event: MemberTierChanged) -> list[rollups.Slice]:
    member_id = event.member_id
    years = _years(_approved_reports().filter(member_id=member_id))
    years |= _years(_approved_cases().filter(member_id=member_id))
    if not years:
        return []  # a new member (admitted, created): nothing of it counts yet
    earlier = TierChange.objects.filter(member_id=member_id, effective_on__lt=event.effective_on)
    if earlier.exists():
        # Years before the change's keep the tier of the changes before it.
        years = {year for year in years if year >= event.effective_on.year}
    return sorted((f"tier:{tier}", year) for year in years for tier in Tier.values)


def country_change_slices(event: MemberCountryChanged) -> list[rollups.Slice]:
    chapter_of = rollups.country_chapters()
    scopes = set()
    for code in (event.old_country, event.new_country):
        if code:
            scopes.add(f"country:{code}")
            if code in chapter_of:
                scopes.add(f"chapter:{chapter_of[code]}")
    years = _years(_approved_reports().filter(member_id=event.member_id))
    return sorted((scope, year) for year in years for scope in scopes)


def chapter_change_slices(event: CountryChapterChanged) -> list[rollups.Slice]:
    years = _years(_approved_reports().filter(member__country_id=event.country))
    years |= _years(_approved_cases().filter(country_id=event.country))
    scopes = {f"chapter:{slug}" for slug in (event.old_chapter, event.new_chapter) if slug}
    return sorted((scope, year) for year in years for scope in scopes)


def exchange_rate_slices(event: ExchangeRateChanged) -> list[rollups.Slice]:
    reports = (
        _approved_reports()
        .filter(year=event.year, impacts__currency=event.currency)
        .values_list("member_id", "year", "member__country_id")
        .distinct()
    )
    case_items = (
        _approved_cases()
        .filter(year=event.year)
        .filter(Q(investment_currency=event.currency) | Q(annual_savings_currency=event.currency))
        .values_list("member_id", "year", "country_id", "sector")
        .distinct()
    )
    return sorted(rollups.item_slices(reports, case_items))


def indicator_unit_slices(event: IndicatorUnitChanged) -> list[rollups.Slice]:
    return sorted(
        Statistic.objects.filter(indicator=event.code)
        .order_by()
        .values_list("scope", "year")
        .distinct()
    )


def on_tier_change(event: MemberTierChanged) -> None:
    mark_stale(tier_change_slices(event))


def on_country_change(event: MemberCountryChanged) -> None:
    mark_stale(country_change_slices(event))


def on_chapter_change(event: CountryChapterChanged) -> None:
    mark_stale(chapter_change_slices(event))


def on_exchange_rate(event: ExchangeRateChanged) -> None:
    mark_stale(exchange_rate_slices(event))


def on_indicator_unit(event: IndicatorUnitChanged) -> None:
    mark_stale(indicator_unit_slices(event))


def subscribe() -> None:
    events.subscribe(ReviewedItemChanged, on_review)
    events.subscribe(MemberTierChanged, on_tier_change)
    events.subscribe(MemberCountryChanged, on_country_change)
    events.subscribe(CountryChapterChanged, on_chapter_change)
    events.subscribe(ExchangeRateChanged, on_exchange_rate)
    events.subscribe(IndicatorUnitChanged, on_indicator_unit)
