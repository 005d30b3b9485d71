"""Emails of the review workflow: coordinators hear of submissions, members of returns,
reopenings and approvals (run after the transition commits, registered by ``wiring``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from knowledge.evidence.models.review import ReviewAction


def _send(name: str, *, to: Iterable[str], context: dict[str, Any]) -> None:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    ctx = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/knowledge/cases/{name}_subject.txt", ctx).strip()
    body = render_to_string(f"emails/knowledge/cases/{name}_body.txt", ctx)
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()), body, None, recipients
    )


def case_review_emails(*, item: Any, action: str, actor: Any, comment: str) -> None:
    """After a case's transition commits: coordinators of the member's chapter hear of a
    submission; the member's staff hear of a return, a reopening or an approval."""
    from chapters.models import Coordinator
    from knowledge.evidence.models.cases import Case
    from members.models import Membership

    if not isinstance(item, Case):
        return
    context = {
        "case": item,
        "member": item.member,
        "actor": actor,
        "comment": comment,
        "url": settings.SITE_URL + reverse("knowledge:case-detail", args=[item.public_id]),
    }
    if action == ReviewAction.SUBMIT:
        to: Iterable[str] = Coordinator.objects.filter(
            chapter_id=item.member.country.chapter_id, user__is_active=True
        ).values_list("user__email", flat=True)
        context["queue_url"] = settings.SITE_URL + reverse("knowledge:case-queue")
        _send("submitted", to=to, context=context)
    elif action in (ReviewAction.RETURN, ReviewAction.REOPEN, ReviewAction.APPROVE):
        to = Membership.objects.filter(member_id=item.member_id, user__is_active=True).values_list(
            "user__email", flat=True
        )
        _send("approved" if action == ReviewAction.APPROVE else "returned", to=to, context=context)
