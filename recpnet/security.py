"""Security events: every authentication event and every denied access, with time (UTC), user
and client address — logged to the ``recpnet.security`` logger and kept as rows the secretariat
can read in the admin.

A refusal must outlive the request that caused it: a refused log-in is often answered by
rolling back the request's transaction. So a refusal, failure or lockout recorded while the
caller is inside a transaction is written on a connection of its own, opened for the row and
closed at once, that commits immediately (PostgreSQL; SQLite, the single-process development
default, allows one writer at a time, so there the row joins the caller's transaction). An
event that reports a write (a token issued or revoked) is ``durable=False``: it shares the
write's transaction, so the log never reports what was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models.sql import InsertQuery
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from recpnet.addresses import client_address

logger = logging.getLogger("recpnet.security")

__all__ = ["client_address", "record"]


def record(
    kind: str,
    *,
    request: HttpRequest | None,
    user: Any = None,
    detail: str = "",
    durable: bool = True,
) -> None:
    """Keep one event. ``user`` is the account concerned (authenticated or not: a refused
    log-in names the account it was refused for)."""
    from recpnet.models import SecurityEvent

    actor = user if getattr(user, "pk", None) is not None else None
    email = str(getattr(actor, "email", "") or "")
    detail = _one_line(detail)
    event = SecurityEvent(
        kind=kind,
        user_id=actor.pk if actor is not None else None,
        email=email[:254],
        address=client_address(request),
        path=(request.get_full_path()[:500] if request is not None else ""),
        detail=detail[:500],
    )
    connection = connections[DEFAULT_DB_ALIAS]
    if durable and connection.in_atomic_block and connection.vendor == "postgresql":
        _insert_committed(event)
    else:
        event.save()
    logger.info(
        "%s user=%s address=%s path=%s %s",
        kind,
        email or "-",
        event.address or "-",
        event.path or "-",
        detail,
    )


def _one_line(text: str) -> str:
    """Text a client chose (an attempted email, a token's name), safe for one log line: no
    line breaks or other control characters."""
    return "".join(c if c.isprintable() else " " for c in str(text))


def account_for(email: str) -> Any:
    """The account an attempted log-in named, by any of its addresses, if there is one."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    email = str(email or "").strip()
    if not email:
        return None
    users = get_user_model()._default_manager
    return (
        users.filter(email__iexact=email).first()
        or users.filter(
            pk__in=EmailAddress.objects.filter(email__iexact=email).values("user_id")
        ).first()
    )


def _insert_committed(event: Any) -> None:
    """Insert ``event`` on a connection of its own, committed at once: the caller's
    transaction, whatever becomes of it, cannot take the row with it. Should that connection
    fail, the row joins the caller's transaction rather than being lost outright."""
    model = type(event)
    query = InsertQuery(model)
    query.insert_values([f for f in model._meta.concrete_fields if not f.primary_key], [event])
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with own.cursor() as cursor:
            for sql, params in query.get_compiler(connection=own).as_sql():
                cursor.execute(sql, params)
    except DatabaseError:
        logger.exception("security log: own connection failed; writing in the transaction")
        event.save()
    finally:
        own.close()


def events_of(*, user_id: int, limit: int = 20) -> list[Any]:
    """The account's own latest events, newest first (its security page)."""
    from recpnet.models import SecurityEvent

    return list(SecurityEvent.objects.filter(user_id=user_id).order_by("-at", "-id")[:limit])


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record("login", request=request, user=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record("logout", request=request, user=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    # Filed under the account it was aimed at (the secretariat searches by account; the holder
    # sees it on their security page); an address with no account keeps only the attempt.
    record(
        "login_failed",
        request=request,
        user=account_for(attempted),
        detail=f"attempted={attempted}",
    )


class DeniedAccessLogMiddleware:
    """Records every 401 and 403 answer (denied access), whoever caused it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in (401, 403):
            try:
                user = getattr(request, "user", None)
                record(
                    f"denied_{response.status_code}",
                    request=request,
                    user=user if getattr(user, "is_authenticated", False) else None,
                    detail=request.method or "",
                )
            except Exception:  # never turn a denial into a 500
                logger.exception("could not record a denied access")
        return response
