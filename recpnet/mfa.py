"""Two-factor authentication is required of the roles that act on other people's evidence:
chapter coordinators and the secretariat. Until they have enrolled an authenticator app, pages
send them to enrolment and the API refuses them (403 ``mfa_required``, reads included)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from allauth.core import context
from allauth.mfa.base import forms as allauth_forms
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from recpnet.roles import roles_for

# Pages a user without MFA must still reach: log-in/out, enrolment itself, health, assets.
# The API applies the same rule to every endpoint, reads included, as it authenticates the
# caller (recpnet.auth), since a token is only known there.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/")


def request_roles(request: HttpRequest) -> Any:
    """The acting user's roles (read once per request: :mod:`recpnet.roles`)."""
    return roles_for(actor=getattr(request, "user", None))


def mfa_required_message() -> str:
    from django.urls import reverse

    return _(
        "Your role requires two-factor authentication. Set up an authenticator app at "
        "%(url)s to continue."
    ) % {"url": reverse("mfa_activate_totp")}


def needs_mfa(user: Any, roles: Any = None) -> bool:
    """Coordinators and the secretariat must have two-factor authentication."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = roles if roles is not None else roles_for(actor=user)
    return bool(roles.secretariat or roles.chapter_ids)


def has_mfa(user: Any) -> bool:
    """The account has an authenticator app: the one test of "uses two-factor authentication"
    (its log-ins ask for a code; recovery codes only stand in for it)."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMFAForReviewersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if not path.startswith(_ALLOWED_PREFIXES):
            blocked = self._blocked(request)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def _blocked(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        # The roles are read once per request and shared with every later check and the
        # navigation (recpnet.roles), so this check costs no extra query.
        roles = request_roles(request)
        if not needs_mfa(user, roles) or has_mfa(user):
            return None
        messages.warning(request, mfa_required_message())
        return redirect("mfa_activate_totp")


@contextmanager
def _address_count_kept(request: HttpRequest | None) -> Iterator[None]:
    """allauth counts failed codes under the same action as failed passwords, and a good code
    clears that action's counts — the address's too. Left so, one's own good code would reset
    an address's count of failures against other accounts (10 a minute → 30). Keep it."""
    from allauth.core.internal import ratelimit as allauth_limits

    if request is None:
        yield
        return
    rates = [
        rate
        for rate in allauth_limits.get_rates(app="allauth.account", action="login_failed")
        if rate.per == "ip"
    ]
    kept = {}
    for rate in rates:
        key = allauth_limits.get_cache_key(
            request, app="allauth.account", action="login_failed", rate=rate
        )
        kept[key] = (cache.get(key), rate.duration)
    yield
    for key, (value, duration) in kept.items():
        if value is not None and cache.get(key) is None:
            cache.set(key, value, timeout=int(duration) + 1)


class AuthenticateForm(allauth_forms.AuthenticateForm):
    """The authenticator-code step of a log-in (page and API token): allauth's, except that a
    good code leaves the address's count of failed log-ins as it was."""

    def clean_code(self) -> str:
        with _address_count_kept(getattr(context, "request", None)):
            return str(super().clean_code())


class ReauthenticateForm(allauth_forms.ReauthenticateForm):
    """Confirming a sensitive change with a code: the same rule as :class:`AuthenticateForm`."""

    def clean_code(self) -> str:
        with _address_count_kept(getattr(context, "request", None)):
            return str(super().clean_code())
