"""django-allauth adapted to the portal: one client address for rate limits and the log."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponseBase

from recpnet.addresses import client_address
from recpnet.security import account_for, record


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # The same address as the throttles and the security log (recpnet.addresses); never
        # a header the client chose unless it came through a configured proxy.
        return client_address(request) or "0.0.0.0"  # noqa: S104 - a key, not a bind address

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # The per-account limit counts the account, not the address typed: an account with two
        # verified addresses has one count. An address with no account keeps its own count.
        attempted = str(credentials.get("email") or credentials.get("username") or "")
        account = account_for(attempted)
        if account is not None:
            return f"account:{account.pk}"
        return str(super()._get_login_attempts_cache_key(request, **credentials))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # The password limits (per account, per address), page and API token alike.
        self._checking_password = True
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            attempted = str(credentials.get("email") or "")[:254]
            record(
                "lockout",
                request=request,
                user=account_for(attempted),
                detail=f"password limit; attempted={attempted}",
            )
            raise
        finally:
            self._checking_password = False

    def validation_error(self, code: str, *args: Any) -> forms.ValidationError:
        # The authenticator-code limit (allauth's MFA step raises through here, page and API
        # token alike); the password limits are recorded in pre_authenticate.
        if code == "too_many_login_attempts" and not getattr(self, "_checking_password", False):
            request = getattr(context, "request", None)
            # The token endpoint names the account whose code is checked (recpnet.tokens).
            user = getattr(request, "code_checked_for", None)
            record("lockout", request=request, user=user, detail="code limit")
        return super().validation_error(code, *args)

    # Sign-up with an address that already has an account is answered as if an account had
    # been created (ACCOUNT_PREVENT_ENUMERATION): the same page and message, and a mail to the
    # address instead of the confirmation. Creating the account hashes the password, which
    # dominates the time taken; the hashing below makes the other answer take as long.

    def respond_email_verification_sent(
        self, request: HttpRequest, user: AbstractBaseUser | None
    ) -> HttpResponseBase:
        if user is None:  # the sign-up of an address that already has an account
            self.hash_like_new_account(request)
        return super().respond_email_verification_sent(request, user)

    def hash_like_new_account(self, request: HttpRequest) -> None:
        """Hash the submitted password as creating an account would (``save_user`` →
        ``set_password``): the same hasher, the same work, the result thrown away."""
        make_password(request.POST.get("password1", ""))
