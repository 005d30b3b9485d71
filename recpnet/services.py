"""Writes owned by the project package: issuing API tokens."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from rest_framework.authtoken.models import Token


@transaction.atomic
def api_token_issue(*, request: HttpRequest, email: str, password: str, code: str = "") -> str:
    """The API token of the account with this email and password. A token is a log-in, so the
    same rules apply as on the log-in page: a verified email, and the current authenticator code
    for accounts with two-factor authentication (each code works once)."""
    from allauth.mfa.totp.internal.auth import TOTP

    from recpnet.mfa import totp_authenticator

    user: Any = authenticate(request, email=email.lower(), password=password)
    if user is None or not user.is_active:
        raise ValidationError("Unable to log in with the email and password given.")
    if not EmailAddress.objects.filter(user=user, verified=True).exists():
        raise ValidationError({"email": "Verify this email address first (see the link we sent)."})
    authenticator = totp_authenticator(user)
    if authenticator is not None:
        if not code.strip():
            raise ValidationError(
                {"code": "This account uses two-factor authentication: give the current code."}
            )
        if not TOTP(authenticator).validate_code(code.strip()):
            raise ValidationError({"code": "This code is not valid (or was used)."})
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
