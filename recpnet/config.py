"""Configuration from environment variables, with messages that name the variable.

Every setting that comes from the environment is read here, so that a malformed value stops
start-up with one clear line (``manage.py``, WSGI and Celery all catch :class:`ConfigError`)
instead of a traceback from deep inside a database driver.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import environ


class ConfigError(Exception):
    """A configuration variable is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"Configuration error in {variable}: {problem}")


_env = environ.Env()

_DB_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}


def get_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def get_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(name, f"expected true or false, got {raw!r}")


def get_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {raw!r}") from None


def get_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def get_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or networks (``10.0.0.0/8, 2001:db8::1``); none by default."""
    import ipaddress

    items = get_list(name, [])
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(name, f"{item!r} is not an IP address or network") from None
    return items


def get_database(name: str, default_sqlite_path: str) -> dict[str, Any]:
    """Return a Django DATABASES entry from a URL, or a SQLite file when the variable is unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": default_sqlite_path}
    parts = urlsplit(raw)
    if parts.scheme not in _DB_SCHEMES:
        raise ConfigError(
            name,
            "expected a URL such as postgres://user@host:5432/dbname or sqlite:///path, "
            f"got {raw!r}",
        )
    if parts.scheme != "sqlite" and not parts.path.strip("/"):
        raise ConfigError(name, f"the URL names no database: {raw!r}")
    try:
        config: dict[str, Any] = _env.db_url_config(raw)
        if parts.scheme != "sqlite":
            _ = parts.port  # raises ValueError on a non-numeric port
    except (ValueError, KeyError) as exc:
        raise ConfigError(name, f"cannot parse {raw!r} ({exc})") from None
    if parts.scheme != "sqlite":
        config["ENGINE"] = "django.db.backends.postgresql"
        config.setdefault("CONN_MAX_AGE", get_int("DATABASE_CONN_MAX_AGE", 60))
        config["CONN_HEALTH_CHECKS"] = True
    return config


def get_redis_url(name: str) -> str:
    """Return a Redis URL or "" when unset; reject anything that is not redis:// or rediss://."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ConfigError(name, f"expected a URL such as redis://127.0.0.1:6379/0, got {raw!r}")
    try:
        _ = parts.port
    except ValueError:
        raise ConfigError(name, f"the port in {raw!r} is not a number") from None
    return raw


def get_email_config(name: str) -> dict[str, Any]:
    """Console email by default; an SMTP URL (smtp://user:pass@host:587, smtp+tls://…) otherwise."""
    raw = os.environ.get(name, "").strip()
    if not raw or raw == "console:":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(raw)
    if parts.scheme not in {"smtp", "smtp+tls", "smtp+ssl", "smtps", "consolemail", "dummymail"}:
        raise ConfigError(name, f"expected console: or an smtp://… URL, got {raw!r}")
    try:
        return dict(_env.email_url_config(raw))
    except (ValueError, KeyError) as exc:
        raise ConfigError(name, f"cannot parse {raw!r} ({exc})") from None
