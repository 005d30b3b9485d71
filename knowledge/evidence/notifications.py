"""The evidence's one email path: the review emails of every reviewed type and the reminders.

Each email is rendered from ``<templates>/<name>_subject.txt`` and ``<name>_body.txt`` and goes
out only after the transaction that caused it commits: :func:`review_emails` is a review hook
(``review.on_transition``, run after the commit; registered by ``wiring``), the reminders use
:func:`send_on_commit`. A write that rolls back sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string

from knowledge.evidence import review
from knowledge.evidence.models.review import ReviewAction

# The email each action sends, and to whom: reviewers hear of submissions, the member's staff
# of what the reviewers did.
REVIEW_EMAILS: dict[str, tuple[str, str]] = {
    ReviewAction.SUBMIT: ("submitted", "reviewers"),
    ReviewAction.RETURN: ("returned", "staff"),
    ReviewAction.REOPEN: ("reopened", "staff"),
    ReviewAction.APPROVE: ("approved", "staff"),
}


def absolute(path: str) -> str:
    """A link for an email (``SITE_URL`` + the path)."""
    return settings.SITE_URL + path


def emails_of(users: QuerySet[Any]) -> list[str]:
    return list(users.values_list("email", flat=True))


def send(template: str, *, to: Iterable[str], context: dict[str, Any]) -> bool:
    """Send ``template`` (a path without ``_subject.txt``/``_body.txt``) to ``to`` now, one
    message with every address (each at most once). Returns whether there was anyone."""
    recipients = sorted({address for address in to if address})
    if not recipients:
        return False
    ctx = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"{template}_subject.txt", ctx).strip()
    body = render_to_string(f"{template}_body.txt", ctx)
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()), body, None, recipients
    )
    return True


def send_on_commit(template: str, *, to: Iterable[str], context: dict[str, Any]) -> None:
    """:func:`send` once the current transaction commits (never if it rolls back)."""
    recipients = list(to)
    transaction.on_commit(lambda: send(template, to=recipients, context=context))


def item_context(item: Any) -> dict[str, Any]:
    """What every email about a reviewed item may say of it (``case``/``report`` too, by the
    type's name, so each type's templates read naturally)."""
    reviewed = review.reviewed_type(item)
    return {
        "item": item,
        reviewed.name: item,
        "type": reviewed.label,
        "title": reviewed.title(item),
        "member": item.member,
        "url": absolute(reviewed.path(item)),
        "queue_url": absolute(reviewed.queue_path()),
    }


def review_emails(*, item: Any, action: str, actor: Any, comment: str) -> None:
    """After a transition of any reviewed type commits: the reviewers of the item (its
    chapter's coordinators who may review it, never staff of its member; else the secretariat:
    ``review.chapter_reviewers``) hear of a submission; the member's staff of a return, a
    reopening or an approval."""
    name, audience = REVIEW_EMAILS[action]
    reviewed = review.reviewed_type(item)
    users = reviewed.reviewers(item) if audience == "reviewers" else reviewed.staff(item)
    send(
        f"{reviewed.templates}/{name}",
        to=emails_of(users),
        context={**item_context(item), "actor": actor, "comment": comment, "action": action},
    )
