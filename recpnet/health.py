"""Health of the portal's parts, for ``/healthz``.

The statistics "as of" time and the count of failing slices are owned by ``knowledge``; it
registers providers here in its ``AppConfig.ready()`` so that this lower layer never imports the
higher one.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

_statistics_as_of: Callable[[], datetime | None] = lambda: None  # noqa: E731
_statistics_failing: Callable[[], int] = lambda: 0  # noqa: E731


def register_statistics_as_of(provider: Callable[[], datetime | None]) -> None:
    global _statistics_as_of
    _statistics_as_of = provider


def register_statistics_failing(provider: Callable[[], int]) -> None:
    """``provider`` counts the statistics slices that fail to recompute (a poison item)."""
    global _statistics_failing
    _statistics_failing = provider


def database_state() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "error": exc.__class__.__name__}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


def broker_state() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "in-process"}
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "mode": "redis", "error": exc.__class__.__name__}
    return {"ok": True, "mode": "redis"}


_WORKER_CACHE_KEY = "healthz:workers"


def worker_state(*, broker_ok: bool) -> dict[str, Any]:
    """Ping the workers (first answer wins, short timeout). A positive answer is cached for a
    few seconds so that a monitoring probe does not broadcast on every request."""
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "in-process"}
    if not broker_ok:
        return {"ok": False, "mode": "redis", "workers": 0}
    try:
        cached = cache.get(_WORKER_CACHE_KEY)
    except Exception:
        cached = None
    if cached is not None:
        return dict(cached)
    from recpnet.celery import app

    try:
        replies = app.control.ping(timeout=settings.HEALTHZ_WORKER_TIMEOUT, limit=1)
    except Exception as exc:
        return {"ok": False, "mode": "redis", "error": exc.__class__.__name__}
    state = {"ok": bool(replies), "mode": "redis", "workers": len(replies or [])}
    if replies:  # a missing worker is re-checked on every request
        with contextlib.suppress(Exception):
            cache.set(_WORKER_CACHE_KEY, state, timeout=5)
    return state


def statistics_as_of() -> datetime | None:
    try:
        return _statistics_as_of()
    except Exception:
        return None


def statistics_failing() -> int | None:
    """The number of failing slices, or None when it cannot be read."""
    try:
        return _statistics_failing()
    except Exception:
        return None
