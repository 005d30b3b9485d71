"""Security events: every authentication event and every denied access, with time (UTC), user
and client address — logged to the ``recpnet.security`` logger and kept as rows the secretariat
can read in the admin."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("recpnet.security")


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    # Behind the production proxy the first X-Forwarded-For hop is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip()[:64]
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def record(kind: str, *, request: HttpRequest | None, user: Any = None, detail: str = "") -> None:
    from recpnet.models import SecurityEvent

    actor = user if getattr(user, "is_authenticated", False) else None
    email = getattr(user, "email", "") if actor else ""
    event = SecurityEvent.objects.create(
        kind=kind,
        user=actor,
        email=email[:254],
        address=client_address(request),
        path=(request.get_full_path()[:500] if request is not None else ""),
        detail=detail[:500],
    )
    logger.info(
        "%s user=%s address=%s path=%s %s",
        kind,
        email or "-",
        event.address or "-",
        event.path or "-",
        detail,
    )


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record("login", request=request, user=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record("logout", request=request, user=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    record("login_failed", request=request, detail=f"attempted={attempted}")


class DeniedAccessLogMiddleware:
    """Records every 401 and 403 answer (denied access), whoever caused it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (401, 403):
            try:
                record(
                    f"denied_{response.status_code}",
                    request=request,
                    user=getattr(request, "user", None),
                    detail=request.method or "",
                )
            except Exception:  # never turn a denial into a 500
                logger.exception("could not record a denied access")
        return response
