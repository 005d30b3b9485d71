"""Two-factor authentication is required of the roles that act on other people's evidence:
chapter coordinators and the secretariat. Until they have enrolled an authenticator app, pages
send them to enrolment and the API refuses them (403 ``mfa_required``, reads included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib import messages
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
    return _(
        "Your role requires two-factor authentication. Set up an authenticator app to continue."
    )


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
