"""Accounts: log-in by email, mandatory verification, rate limits on the real cache, and the
Django admin's log-in going through the same door."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_log_in_by_email(client, db) -> None:
    user = factories.UserFactory()
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_unverified_email_cannot_log_in(client, db, mailoutbox) -> None:
    user = factories.UserFactory(verified=False)
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": factories.PASSWORD}, follow=True
    )
    assert b"Verify Your Email" in response.content
    assert [m.to for m in mailoutbox] == [[user.email]]
    assert client.get("/dashboard/").status_code == 302


def test_failed_log_ins_are_rate_limited_per_account(client, db) -> None:
    user = factories.UserFactory(email=f"{uuid.uuid4().hex[:8]}@example.org")
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
        assert response.status_code == 200
    # The right password is refused too while the account's failure budget is spent.
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": factories.PASSWORD}
    )
    assert response.status_code in (200, 429)
    assert client.get("/dashboard/").status_code == 302


def test_admin_log_in_goes_through_the_portal_log_in(client, db) -> None:
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_dashboard_needs_log_in(client, db) -> None:
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
