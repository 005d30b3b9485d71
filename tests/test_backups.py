"""Backups: `manage.py backup` then `manage.py restore` into a fresh database finds every row."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
PROJECT_APPS = ("recpnet", "chapters", "members", "knowledge")


def _counts(conn: psycopg.Connection) -> dict[str, int]:
    counts = {}
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            table = model._meta.db_table
            counts[table] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
    return counts


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database(tenancy, tmp_path) -> None:
    factories.MembershipFactory(member=tenancy.member_b)
    s = connection.settings_dict
    fresh = f"{s['NAME']}_restore"
    dsn = {
        "host": s.get("HOST") or "127.0.0.1",
        "port": s.get("PORT") or 5432,
        "user": s.get("USER") or None,
        "password": s.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        admin.execute(f'CREATE DATABASE "{fresh}"')
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "recpnet.settings.test"}
    url = f"postgres://{dsn['user'] or ''}@{dsn['host']}:{dsn['port']}"
    try:
        made = subprocess.run(
            [sys.executable, "manage.py", "backup", "--dir", str(tmp_path)],
            cwd=ROOT,
            env={**env, "DATABASE_URL": f"{url}/{s['NAME']}"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert made.returncode == 0, made.stderr
        (dump,) = tmp_path.glob("recpnet-*.dump")
        restored = subprocess.run(
            [sys.executable, "manage.py", "restore", "--noinput", str(dump)],
            cwd=ROOT,
            env={**env, "DATABASE_URL": f"{url}/{fresh}"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restored.returncode == 0, restored.stderr
        with (
            psycopg.connect(dbname=s["NAME"], **dsn) as original,
            psycopg.connect(dbname=fresh, **dsn) as copy,
        ):
            before, after = _counts(original), _counts(copy)
        assert after == before
        assert after["members_member"] == 2
        assert after["chapters_country"] >= 249
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def test_restore_of_a_missing_file_is_a_clear_error(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", "--noinput", str(tmp_path / "nope.dump")],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "recpnet.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "no backup file at" in result.stderr
    assert "Traceback" not in result.stderr
