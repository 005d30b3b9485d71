"""Security headers and the security event log."""

from __future__ import annotations

from django.db.models import Q

from recpnet.models import SecurityEvent
from tests import factories


def test_pages_send_a_strict_content_security_policy(client, db) -> None:
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_log_ins_and_failures_are_recorded_with_address(client, db) -> None:
    user = factories.UserFactory()
    client.post(
        "/accounts/login/",
        {"login": user.email, "password": "wrong"},
        REMOTE_ADDR="203.0.113.7",
    )
    client.post(
        "/accounts/login/",
        {"login": user.email, "password": factories.PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    # The log is shared by every test (events commit on a connection of their own).
    mine = SecurityEvent.objects.filter(
        Q(user_id=user.pk) | Q(detail__contains=user.email)
    ).order_by("at", "id")
    kinds = list(mine.values_list("kind", "address"))
    assert kinds == [("login_failed", "203.0.113.7"), ("login", "203.0.113.7")]
    assert mine.get(kind="login").email == user.email


def test_denied_access_is_recorded(client, db) -> None:
    response = client.get("/api/v1/cases/?probe=denied", HTTP_AUTHORIZATION="Token " + "1" * 64)
    assert response.status_code == 401
    event = SecurityEvent.objects.get(path__contains="probe=denied")
    assert event.kind == "denied_401"
    assert event.path.startswith("/api/v1/cases/")


def test_sessions_expire_after_inactivity_and_activity_extends_them(client, db) -> None:
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    user = factories.UserFactory()
    client.force_login(user)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(hours=1))
    assert client.get("/dashboard/").status_code == 200
    # Activity moves the expiry to a full inactivity period from now.
    expires = Session.objects.get(session_key=key).expire_date
    assert expires > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # A session idle for longer than that is over.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
