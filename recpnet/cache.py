"""A Redis cache that keeps the portal up while Redis is down.

The cache holds only what can be recomputed (rate-limit counters, health probes), so when Redis
is unreachable every read is a miss and every write is dropped, with a warning in the log,
instead of turning a page into a 500. Log-in rate limits are then not enforced until Redis is
back: the portal stays usable, and the outage is visible in the log and on /healthz.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
_last_warning = 0.0


def _warn(operation: str, exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 30:  # one line per half minute, not one per request
        _last_warning = now
        logger.warning("cache unavailable (%s during %s); serving without it", exc, operation)


class ResilientRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _ERRORS as exc:
            _warn("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except _ERRORS as exc:
            _warn("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except _ERRORS as exc:
            _warn("has_key", exc)
            return False

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(
                key, value, timeout if timeout is not None else self.default_timeout, version
            )
        except _ERRORS as exc:
            _warn("set", exc)

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().add(
                key, value, timeout if timeout is not None else self.default_timeout, version
            )
        except _ERRORS as exc:
            _warn("add", exc)
            # No cache, so nothing else holds the key: answering "not added" would make every
            # lock wait forever (allauth's rate limits take one per attempt), and with it every
            # log-in fail while Redis is down.
            return True

    def set_many(self, data: Any, timeout: Any = None, version: int | None = None) -> list[Any]:
        try:
            return super().set_many(
                data, timeout if timeout is not None else self.default_timeout, version
            )
        except _ERRORS as exc:
            _warn("set_many", exc)
            return list(data)

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        try:
            return super().touch(
                key, timeout if timeout is not None else self.default_timeout, version
            )
        except _ERRORS as exc:
            _warn("touch", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except _ERRORS as exc:
            _warn("delete", exc)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except _ERRORS as exc:
            _warn("delete_many", exc)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except _ERRORS as exc:
            _warn("incr", exc)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from exc

    def clear(self) -> None:
        try:
            super().clear()
        except _ERRORS as exc:
            _warn("clear", exc)
