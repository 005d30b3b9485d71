"""Wiring done at start-up (called from KnowledgeConfig.ready): the statistics review hook, the
health check's statistics as-of time, and the members' evidence seam."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)

ROLLUP_ACTIONS = frozenset({"approve", "reopen"})


def enqueue_recompute(slices: list[tuple[str, int]]) -> None:
    """Send the recompute of ``slices`` to the workers. A broker that does not answer raises
    (after a short retry); the slices stay marked stale and the nightly rebuild catches up."""
    from knowledge.tasks import recompute_statistics

    recompute_statistics.apply_async(
        args=([list(s) for s in slices],),
        retry=True,
        retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
    )


def statistics_on_review(*, item: Any, action: str, actor: Any, comment: str) -> None:
    """Approve and reopen change what counts: recompute the item's slices (runs after the
    review transaction committed; a failure here is logged by the workflow, never undoes it)."""
    from knowledge import rollups
    from knowledge.models import AnnualReport
    from knowledge.services.statistics import statistics_mark_dirty

    if action not in ROLLUP_ACTIONS:
        return
    if isinstance(item, AnnualReport):
        slices = rollups.slices_for_report(item)  # marked stale in the approving transaction
    elif type(item) is rollups.case_model():
        slices = rollups.slices_for_case(item)
        statistics_mark_dirty(slices=slices)
    else:
        return
    enqueue_recompute(slices)


class KnowledgeEvidence:
    """Counts of approved evidence for ``members`` (eligibility, lapsing, growth)."""

    def approved_report_years(self, member_ids: Iterable[int]) -> dict[int, set[int]]:
        from knowledge.selectors.reports import approved_report_years

        return approved_report_years(member_ids=list(member_ids))

    def approved_case_counts(self, member_ids: Iterable[int]) -> dict[int, int]:
        from knowledge.selectors.reports import approved_case_counts

        return approved_case_counts(member_ids=list(member_ids))


def connect() -> None:
    """Register the review hook and the seams."""
    from knowledge import review
    from knowledge.services.statistics import statistics_as_of, statistics_failing_count
    from recpnet.health import register_statistics_as_of, register_statistics_failing

    review.on_transition(statistics_on_review)
    register_statistics_as_of(statistics_as_of)
    register_statistics_failing(statistics_failing_count)
    try:
        from members.evidence import register_evidence_provider
    except ImportError:  # the members seam is not there yet
        return
    register_evidence_provider(KnowledgeEvidence())
