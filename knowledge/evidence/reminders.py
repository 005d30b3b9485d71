"""The evidence's one reminder system, for every kind of reminder.

A kind (:class:`ReminderKind`) says what is due on a day: ``due(today)`` yields :class:`Due`
reminders — what each is about (``key``), the stage it has reached, who is told and what its
email says. :func:`reminders_send` claims each by inserting its unique
:class:`~knowledge.evidence.models.reminders.Reminder` row — a claim, as review transitions
are: of two overlapping runs one inserts, the other finds the row — and sends the kind's email
when that insert commits. So every reminder is sent once per stage, and the job is safe to run
any number of times a day. A run that missed days sends only the stage now reached, not a burst
of stale ones.

Kinds: ``report_deadline`` (the reports' services: 30, 14 and 3 days before the deadline, to
the staff of members whose report is not in) and ``review_waiting`` (here, for every reviewed
type: items waiting 14 and 30 days in the review queue, to their reviewers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from knowledge.evidence import notifications, review
from knowledge.evidence.models.reminders import Reminder
from knowledge.evidence.models.review import ReviewStatus


@dataclass(frozen=True)
class Due:
    """One reminder due today. ``to`` is called only for reminders not yet sent."""

    key: str
    stage: int
    to: Callable[[], Iterable[str]]
    context: Mapping[str, Any]


@dataclass(frozen=True)
class ReminderKind:
    name: str
    template: str  # without _subject.txt / _body.txt
    due: Callable[[dt.date], Iterable[Due]]


_kinds: dict[str, ReminderKind] = {}


def register(kind: ReminderKind) -> ReminderKind:
    """Add a kind of reminder (registering a name again replaces it)."""
    _kinds[kind.name] = kind
    return kind


def kinds() -> list[str]:
    return list(_kinds)


def stage_before(days_left: int, stages: Sequence[int]) -> int | None:
    """The stage reached ``days_left`` days before a deadline, stages being days before it:
    with (30, 14, 3), 14 at 10 days left; ``None`` before the first."""
    reached = [s for s in stages if days_left <= s]
    return min(reached) if reached else None


def stage_after(days_waited: int, stages: Sequence[int]) -> int | None:
    """The stage reached after waiting ``days_waited`` days, stages being days of waiting:
    with (14, 30), 14 at 20 days; ``None`` before the first."""
    reached = [s for s in stages if days_waited >= s]
    return max(reached) if reached else None


def reminders_send(*, kind: str | None = None, today: dt.date | None = None) -> int:
    """Send the reminders due ``today`` of ``kind`` (every kind if ``None``) that were not sent
    yet; returns how many. Each is claimed in its own transaction, so one that fails does not
    hold back the others, and its email goes out when the claim commits."""
    today = today or timezone.localdate()
    sent = 0
    for reminder_kind in [_kinds[kind]] if kind else list(_kinds.values()):
        due = list(reminder_kind.due(today))
        claimed = set(
            Reminder.objects.filter(
                kind=reminder_kind.name, key__in={d.key for d in due}
            ).values_list("key", "stage")
        )
        for reminder in due:
            if (reminder.key, reminder.stage) not in claimed and _claim(reminder_kind, reminder):
                sent += 1
    return sent


def _claim(kind: ReminderKind, due: Due) -> bool:
    recipients = sorted({address for address in due.to() if address})
    if not recipients:
        # Nobody to tell (yet): left unclaimed, so a later run with recipients sends it.
        return False
    with transaction.atomic():
        try:
            with transaction.atomic():
                Reminder.objects.create(kind=kind.name, key=due.key, stage=due.stage)
        except IntegrityError:
            return False  # another run claimed it meanwhile
        notifications.send_on_commit(
            kind.template, to=recipients, context={**due.context, "stage": due.stage}
        )
    return True


# --- items waiting in the review queue (every reviewed type) -----------------------------------

REVIEW_WAITING_DAYS = (14, 30)


def _waiting_for_review(today: dt.date) -> Iterator[Due]:
    """Submitted items of every reviewed type that have waited 14 or 30 days: their reviewers
    hear of each once per stage and submission (a resubmission starts again)."""
    oldest = today - dt.timedelta(days=min(REVIEW_WAITING_DAYS))
    for reviewed in review.registered():
        items = (
            reviewed.model._default_manager.filter(
                status=ReviewStatus.SUBMITTED, submitted_at__date__lte=oldest
            )
            .select_related("member__country")
            .order_by("submitted_at", "pk")
        )
        for item in items:
            assert item.submitted_at is not None  # by the filter
            waited = (today - timezone.localdate(item.submitted_at)).days
            stage = stage_after(waited, REVIEW_WAITING_DAYS)
            if stage is None:
                continue
            yield Due(
                # The version changes with every submission, so each one is reminded afresh.
                key=f"{reviewed.name}/{item.pk}/{item.version}",
                stage=stage,
                to=partial(_reviewer_emails, reviewed, item),
                context={**notifications.item_context(item), "days": waited},
            )


def _reviewer_emails(reviewed: review.ReviewedType, item: Any) -> list[str]:
    return notifications.emails_of(reviewed.reviewers(item))


REVIEW_WAITING = register(
    ReminderKind(
        name="review_waiting",
        template="emails/knowledge/review_waiting",
        due=_waiting_for_review,
    )
)
