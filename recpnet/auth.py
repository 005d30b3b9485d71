"""How API callers authenticate: an API token (:mod:`recpnet.tokens`) or the web session.

Either way the portal's second-factor rule holds on the API as on the pages
(:mod:`recpnet.mfa`): a coordinator or secretariat member without an authenticator gets 403
``mfa_required`` from every endpoint, reads included, and a reviewer's token counts only if its
log-in gave an authenticator code.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from recpnet.mfa import has_mfa, mfa_required_message, needs_mfa
from recpnet.tokens import token_used

_KEY = re.compile(rb"[0-9a-f]{64}")


def require_second_factor(user: Any, *, token: Any = None) -> None:
    """Raise 403 ``mfa_required`` unless ``user`` may use the API under the second-factor rule."""
    if not needs_mfa(user):
        return
    if not has_mfa(user) or (token is not None and not token.second_factor):
        raise exceptions.PermissionDenied(mfa_required_message(), code="mfa_required")


class TokenAuthentication(KnoxTokenAuthentication):
    """``Authorization: Token <key>``: a live, unexpired token of an active account."""

    check_second_factor = True

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        # A key is 64 hexadecimal characters: anything else (bytes that are not UTF-8
        # included) is refused before knox decodes and looks it up.
        if not _KEY.fullmatch(token):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)  # type: ignore[no-any-return]

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if self.check_second_factor:
            require_second_factor(user, token=token)
        token_used(token=token)
        return user, token


class RevocationTokenAuthentication(TokenAuthentication):
    """For revoking one's own token only: a holder may always give a token up."""

    check_second_factor = False


class SessionAuthentication(authentication.SessionAuthentication):
    """The web session (with its CSRF check), under the same second-factor rule."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            require_second_factor(result[0])
        return result
