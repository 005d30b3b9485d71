"""The reporting calendar: which year's annual report is due and by when. Pure (settings and
today's date only), so both the reads (the member's workspace) and the writes (reminders) use
it without a selector importing a service."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def reporting_deadline(year: int) -> dt.date:
    """The deadline of the report for ``year``: settings.REPORT_DEADLINE_MONTH_DAY of the
    following year."""
    month, day = settings.REPORT_DEADLINE_MONTH_DAY
    return dt.date(year + 1, month, day)


def report_due(today: dt.date | None = None) -> tuple[int, dt.date]:
    """The reporting year whose deadline comes next, and that deadline."""
    today = today or timezone.localdate()
    year = today.year - 1
    if today > reporting_deadline(year):
        year += 1
    return year, reporting_deadline(year)
