"""Thin Celery tasks of members; the work is in ``members.services``."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    name="members.check_lapsing",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
)
def check_lapsing() -> dict[str, int]:
    """Nightly: lapse reminders and lapsing. Safe to re-run (see the service)."""
    run = services.members_check_lapsing()
    return {"reminded": run.reminded, "lapsed": run.lapsed}
