"""Backups of the portal's database: ``pg_dump`` custom format for PostgreSQL (the SQLite file
copied with SQLite's online backup for a local portal), restored with ``pg_restore``."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class BackupError(Exception):
    """pg_dump or pg_restore failed; the message carries their own words."""


def _pg_env_and_args(db: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise ImproperlyConfigured(f"{name} is not installed (apt-get install postgresql-client)")
    return path


def backup(db: dict[str, Any], directory: Path) -> Path:
    """Write a timestamped backup of ``db`` (a Django DATABASES entry) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if db["ENGINE"].endswith("sqlite3"):
        target = directory / f"recpnet-{stamp}.sqlite3"
        with sqlite3.connect(db["NAME"]) as source, sqlite3.connect(target) as dest:
            source.backup(dest)
        return target
    target = directory / f"recpnet-{stamp}.dump"
    env, args = _pg_env_and_args(db)
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            *args,
            "--file",
            str(target),
            str(db["NAME"]),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(result.stderr.strip() or "pg_dump failed")
    return target


def restore(db: dict[str, Any], source: Path) -> None:
    """Replace the contents of ``db`` with the backup in ``source``, in one transaction."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if db["ENGINE"].endswith("sqlite3"):
        with sqlite3.connect(source) as src, sqlite3.connect(db["NAME"]) as dest:
            src.backup(dest)
        return
    env, args = _pg_env_and_args(db)
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            "--dbname",
            str(db["NAME"]),
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or "pg_restore failed")
