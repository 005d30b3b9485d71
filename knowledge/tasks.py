"""Celery tasks of knowledge: thin, idempotent, safe to re-run (acks_late; retries with
backoff on transient database errors; time limits). Schedules: CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


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
    from knowledge.services.statistics import statistics_recompute_slices

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
    from knowledge.services.statistics import statistics_rebuild

    result = statistics_rebuild()
    return {"changed": result.changed, "failed": list(result.failed)}


@shared_task(
    name="knowledge.send_report_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    max_retries=5,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
)
def send_report_reminders() -> int:
    """Daily: reminders before the report deadline (each sent once per member and stage)."""
    from knowledge.services.reports import report_reminders_send

    return report_reminders_send()
