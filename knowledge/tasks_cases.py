"""Celery tasks of the case library: thin, idempotent, calling a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="knowledge.run_case_import",
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=30 * 60,
    time_limit=31 * 60,
)
def run_case_import(job_id: int) -> None:
    """Run a recorded bulk import (the job is claimed once, so re-delivery does nothing)."""
    from .services.cases import case_import_run

    case_import_run(job_id=job_id)
