"""What the statistics do when something below them changes: every event that can alter a
figure marks the affected slices stale *in the transaction that made the change* (the
:class:`~knowledge.statistics.models.StatisticSlice` rows are the outbox), and enqueues their
recompute once that transaction commits. A recompute that is lost (broker down, worker killed)
is picked up by the periodic sweep of stale slices."""

from __future__ import annotations

import logging

from django.db import transaction

from knowledge.evidence.events import ReviewedItemChanged
from knowledge.evidence.models.reports import AnnualReport
from knowledge.evidence.models.review import ReviewAction
from knowledge.statistics import rollups
from knowledge.statistics.services import statistics_mark_dirty
from recpnet import events

logger = logging.getLogger(__name__)

# Only these change what counts: a submitted or returned item was not approved before or after.
ROLLUP_ACTIONS = frozenset({ReviewAction.APPROVE, ReviewAction.REOPEN})


def enqueue_recompute(slices: list[rollups.Slice]) -> None:
    """Send the recompute of ``slices`` to the workers. A broker that does not answer is logged,
    not raised: the slices stay marked stale and the sweep recomputes them."""
    from knowledge.statistics.tasks import recompute_statistics

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
    else:
        mark_stale(rollups.slices_for_case(item))


def subscribe() -> None:
    events.subscribe(ReviewedItemChanged, on_review)
