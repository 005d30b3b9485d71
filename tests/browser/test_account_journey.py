"""Accounts in a real browser: sign up, verify by the emailed link, log in, see the personal
dashboard; then enable TOTP and log in again with a code."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long passphrase for RECPnet 2015"


def _totp(secret: str, *, after_counter: int | None = None) -> tuple[str, int]:
    """A current TOTP code; with ``after_counter``, wait for a later time step (codes are
    single-use)."""
    while True:
        counter = int(time.time()) // 30
        if after_counter is None or counter > after_counter:
            return format_hotp_value(hotp_value(secret, counter)), counter
        time.sleep(0.5)


def test_sign_up_verify_log_in_and_enable_totp(page: Page, live_server, mailoutbox) -> None:
    base = live_server.url
    email = "officer@ncpc.example.org"

    page.goto(f"{base}/accounts/signup/")
    page.locator("#id_email").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    expect(page.get_by_role("heading", name=re.compile("Verify Your Email", re.I))).to_be_visible()

    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    page.goto(link.group(0).replace("http://testserver", base))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()

    page.goto(f"{base}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_role("heading", name="My dashboard")).to_be_visible()
    expect(page.get_by_text(f"Logged in as {email}")).to_be_visible()

    # Enable TOTP with the secret shown on the activation page.
    page.goto(f"{base}/accounts/2fa/totp/activate/")
    if page.locator("#authenticator_secret").count() == 0:
        # Security-sensitive pages may ask for the password again first.
        expect(page.get_by_role("heading", name=re.compile("Confirm Access", re.I))).to_be_visible()
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    code, counter = _totp(secret)
    page.get_by_label(re.compile("Authenticator code", re.I)).fill(code)
    page.get_by_role("button", name=re.compile("Activate", re.I)).click()
    expect(page.get_by_text(re.compile("recovery codes", re.I)).first).to_be_visible()

    # Log out, then log in again: password, then a code from the authenticator.
    page.goto(f"{base}/dashboard/")
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(
        page.get_by_role("heading", name=re.compile("Two-Factor Authentication", re.I))
    ).to_be_visible()
    code, _ = _totp(secret, after_counter=counter)
    page.get_by_label(re.compile("code", re.I)).first.fill(code)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    expect(page.get_by_role("heading", name="My dashboard")).to_be_visible()
