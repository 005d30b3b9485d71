"""Celery tasks of the evidence: thin, idempotent, calling a service (schedules:
CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from knowledge.evidence import reminders
from knowledge.evidence.imports import WORKER_SOFT_TIME_LIMIT, WORKER_TIME_LIMIT
from knowledge.evidence.services.cases import case_import_run, case_import_sweep
from knowledge.evidence.services.reports import report_reminders_send
from recpnet.celery import TRANSIENT


@shared_task(
    name="knowledge.run_case_import",
    acks_late=True,
    reject_on_worker_lost=True,
    # Only the claim can fail this way and be retried: once claimed, the service ends the job
    # itself, and a retry finds it claimed and does nothing.
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=WORKER_SOFT_TIME_LIMIT,
    time_limit=WORKER_TIME_LIMIT,
)
def run_case_import(job_id: int) -> None:
    """Run a recorded bulk import (the job is claimed once, so re-delivery does nothing)."""
    case_import_run(job_id=job_id)


@shared_task(
    name="knowledge.sweep_case_imports",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def sweep_case_imports() -> int:
    """Every few minutes: fail the imports whose worker is gone (killed at the hard time limit
    or never given the message), so that no job shows "importing" for ever."""
    return case_import_sweep()


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
    return report_reminders_send()


@shared_task(
    name="knowledge.send_review_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    max_retries=5,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
)
def send_review_reminders() -> int:
    """Daily: reviewers hear of items of every reviewed type waiting 14 and 30 days in their
    queue (each sent once per item, submission and stage)."""
    return reminders.reminders_send(kind=reminders.REVIEW_WAITING.name)
