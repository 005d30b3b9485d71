"""Celery tasks of the statistics: thin, idempotent, safe to re-run (acks_late; retries with
backoff on transient database errors; time limits). Schedules: CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from knowledge.statistics.services import (
    statistics_rebuild,
    statistics_recompute_slices,
    statistics_sweep_stale,
)
from recpnet.celery import TRANSIENT

logger = logging.getLogger(__name__)


@shared_task(
    name="knowledge.recompute_statistics",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=8,
    soft_time_limit=120,
    time_limit=150,
)
def recompute_statistics(slices: list[list[Any]]) -> int:
    """Replace the rows of ``slices`` (``[[scope, year], …]``) from source. A slice that fails
    alone is recorded and left stale by the service, not retried here: retrying the same data
    gives the same error, and the nightly rebuild tries it again."""
    return statistics_recompute_slices(slices=slices)


@shared_task(
    name="knowledge.rebuild_statistics",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    max_retries=5,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def rebuild_statistics() -> dict[str, Any]:
    """Nightly: recompute everything; logs (as a warning) any row it had to change, and (as an
    error) the slices that failed — the others are rebuilt all the same."""
    result = statistics_rebuild()
    return {"changed": result.changed, "failed": list(result.failed)}


@shared_task(
    name="knowledge.sweep_stale_statistics",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=10,
    max_retries=3,
    soft_time_limit=4 * 60,
    time_limit=5 * 60,
)
def sweep_stale_statistics() -> dict[str, int]:
    """Every few minutes: recompute the slices whose recompute task was lost (stale for longer
    than the grace period), a bounded batch per run."""
    result = statistics_sweep_stale()
    return {"slices": result.slices, "rows": result.rows}
