"""The foundation: configuration errors, health, Celery round trip, compose file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "recpnet.settings.local", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "nonsense"),
        ("DATABASE_URL", "postgres://127.0.0.1:notaport/db"),
        ("REDIS_URL", "localhost:6379"),
        ("DEBUG", "maybe"),
        ("EMAIL_URL", "carrier-pigeon://coop"),
        ("TRUSTED_PROXIES", "10.0.0.0/8, the load balancer"),
    ],
)
def test_malformed_configuration_stops_with_a_message_naming_the_variable(
    variable: str, value: str
) -> None:
    result = _manage("check", **{variable: value})
    assert result.returncode == 2
    assert f"Configuration error in {variable}" in result.stderr
    assert "Traceback" not in result.stderr


def test_healthz_is_503_when_the_database_is_down() -> None:
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, json.loads(r.content)['database']['ok'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "recpnet.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["503", "False"], result.stderr


def test_healthz_reports_the_database(client, db) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert set(body) >= {"status", "database", "broker", "worker", "statistics"}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_healthz_sees_broker_and_worker(client, celery_worker) -> None:
    body = client.get("/healthz").json()
    assert body["broker"] == {"ok": True, "mode": "redis"}
    assert body["worker"]["ok"] is True
    assert body["worker"]["workers"] >= 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_a_real_worker(celery_worker) -> None:
    from recpnet.celery import ping

    result = ping.apply_async()
    assert result.get(timeout=20) == "pong"


def test_compose_services_point_at_real_modules() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "web", "worker", "beat"}
    for name in ("web", "worker", "beat"):
        command = services[name]["command"]
        command = command if isinstance(command, str) else " ".join(command)
        assert "healthcheck" in services[name] or name != "web"
        if name == "web":
            assert "gunicorn" in command
            assert "recpnet.wsgi" in command
            import recpnet.wsgi  # noqa: F401 - the module gunicorn is pointed at exists
        else:
            assert "celery -A recpnet" in command
            assert name in command
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name]
    assert "volumes" in compose
    # Every manage.py command the compose file runs exists.
    from django.core.management import get_commands

    for service in services.values():
        command = service.get("command", "")
        command = command if isinstance(command, str) else " ".join(command)
        for part in command.split("&&"):
            words = part.split()
            if "manage.py" in words:
                assert words[words.index("manage.py") + 1] in get_commands()
