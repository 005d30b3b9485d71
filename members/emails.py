"""Transactional emails of the membership workflow. Each is rendered from
``templates/emails/members/<name>_subject.txt`` and ``<name>_body.txt`` and sent after the
transaction that caused it commits (never for a write that rolled back)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse


def absolute(path_name: str, **kwargs: Any) -> str:
    return settings.SITE_URL + reverse(path_name, kwargs=kwargs or None)


def send_on_commit(name: str, *, to: Iterable[str], context: dict[str, Any]) -> None:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    ctx = {"site_url": settings.SITE_URL, **context}

    def _send() -> None:
        subject = render_to_string(f"emails/members/{name}_subject.txt", ctx).strip()
        body = render_to_string(f"emails/members/{name}_body.txt", ctx)
        send_mail(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
            body,
            None,
            recipients,
        )

    transaction.on_commit(_send)
