"""Tenancy-first fixtures and the switches for tests that need real services.

Two members in two chapters (A: Kenya → Africa, B: Colombia → Latin America and the Caribbean),
their staff and admins, a coordinator for each chapter, the secretariat and an outsider.

Tests marked ``postgres``, ``redis`` or ``browser`` skip without the service; with
``RECPNET_FORBID_SKIPS=1`` (set by CI) any skipped test fails the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from members.models import Member, Role
from recpnet.models import User
from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


# --- service switches -------------------------------------------------------------------------

_skipped: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.db import connection

    is_pg = connection.vendor == "postgresql"
    for item in items:
        # pytest-playwright's ``page`` fixture turns any test that names it into a browser
        # test, reordered among them (after the transactional tests have flushed the
        # reference data): only tests marked ``browser`` may use it.
        if "page" in getattr(item, "fixturenames", ()) and "browser" not in item.keywords:
            raise pytest.UsageError(
                f"{item.nodeid} uses the fixture or parameter 'page' but is not marked browser"
            )
        # A transactional test ends with a flush, which would also delete the reference data
        # loaded by data migrations (chapters, countries, indicators, thresholds); restore it.
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and "serialized_rollback" not in marker.kwargs
        ):
            item.add_marker(
                pytest.mark.django_db(*marker.args, **marker.kwargs, serialized_rollback=True),
                append=False,
            )
        if "postgres" in item.keywords and not is_pg:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "redis" in item.keywords and not (settings.REDIS_URL and is_pg):
            item.add_marker(
                pytest.mark.skip(
                    reason="needs Redis and PostgreSQL (set REDIS_URL and DATABASE_URL)"
                )
            )
        if "browser" in item.keywords and not Path(CHROMIUM).exists():
            item.add_marker(pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM}"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    fuzz = sys.modules.get("tests.api.test_fuzz")
    if fuzz is not None and fuzz.STATS["requests"]:
        terminalreporter.write_line(
            f"API fuzzing: {fuzz.STATS['requests']} requests across "
            f"{len(fuzz.STATS['operations'])} operations, as {len(fuzz.ROLES)} roles"
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("RECPNET_FORBID_SKIPS") == "1" and _skipped:
        sys.stderr.write(
            "\nRECPNET_FORBID_SKIPS: these tests were skipped but must run here:\n  "
            + "\n  ".join(_skipped)
            + "\n"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> None:
    """Keep the serialized reference data where every later connection object finds it.

    Connections are per execution context, and Playwright's event loop gives tests that run
    after a browser test a new connection object, which would not carry the data serialized at
    set-up; serialized rollback would then restore nothing after a transactional test's flush.
    """
    from django.db import connections

    conn = connections["default"]
    contents = getattr(conn, "_test_serialized_contents", None)
    if contents is not None:
        type(conn)._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters, cached health and cached content types (a transactional test's
    flush recreates them with new ids) must not leak from one test to the next."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    cache.clear()
    ContentType.objects.clear_cache()


# --- browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "chromium_sandbox": False,
        "args": [
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


# --- tenancy fixtures ----------------------------------------------------------------------


@dataclass
class Tenancy:
    member_a: Member
    member_b: Member
    admin_a: User
    staff_a: User
    admin_b: User
    staff_b: User
    coordinator_a: User
    coordinator_b: User
    secretariat: User
    outsider: User


@pytest.fixture
def tenancy(db: None) -> Tenancy:
    member_a = factories.MemberFactory(
        name="Kenya National Cleaner Production Centre",
        slug="kncpc",
        country=factories.country("KE"),
    )
    member_b = factories.MemberFactory(
        name="Centro Nacional de Producción Más Limpia de Colombia",
        slug="cnpml-colombia",
        country=factories.country("CO"),
    )
    admin_a = factories.MembershipFactory(member=member_a, role=Role.ADMIN).user
    staff_a = factories.MembershipFactory(member=member_a, role=Role.STAFF).user
    admin_b = factories.MembershipFactory(member=member_b, role=Role.ADMIN).user
    staff_b = factories.MembershipFactory(member=member_b, role=Role.STAFF).user
    coordinator_a = factories.CoordinatorFactory(chapter=factories.chapter("africa")).user
    coordinator_b = factories.CoordinatorFactory(
        chapter=factories.chapter("latin-america-caribbean")
    ).user
    secretariat = factories.UserFactory(is_secretariat=True)
    outsider = factories.UserFactory()
    return Tenancy(
        member_a,
        member_b,
        admin_a,
        staff_a,
        admin_b,
        staff_b,
        coordinator_a,
        coordinator_b,
        secretariat,
        outsider,
    )


# --- a real Celery worker ------------------------------------------------------------------


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    user = s.get("USER") or ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@pytest.fixture
def broker() -> Iterator[None]:
    """Send tasks through the real broker (Redis) for this test instead of running them
    in-process (the test settings' default)."""
    from recpnet.celery import app

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    old = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = old


def wait_for_idle_worker(name: str, queue: str, timeout: float = 60.0) -> None:
    """Wait until the queue is empty and the worker runs nothing, so that a test's flush never
    races a task still writing."""
    import redis as redis_lib

    from recpnet.celery import app

    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = app.control.inspect(destination=[name], timeout=0.5).active() or {}
        if client.llen(queue) == 0 and not any(active.values()):
            return
        time.sleep(0.2)


@pytest.fixture
def celery_worker(
    _celery_worker_process: subprocess.Popen[bytes], broker: None
) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on Redis for this test (tasks go through the broker)."""
    yield _celery_worker_process
    wait_for_idle_worker(_worker_name(), settings.CELERY_TASK_DEFAULT_QUEUE)


def _worker_name() -> str:
    return f"test-{os.getpid()}@{os.uname().nodename}"


@pytest.fixture(scope="session")
def _celery_worker_process(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery worker`` process on Redis, using the test database, on a queue of its own.

    Session-scoped: started once (≈3 s). Tests that use it need ``transaction=True`` so that
    what they write is committed and visible to the worker.
    """
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "recpnet.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    log = open(ROOT / ".pytest-worker.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            celery,
            "-A",
            "recpnet",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "-n",
            f"test-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from recpnet.celery import app

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited: see {ROOT / '.pytest-worker.log'}")
        if app.control.ping(timeout=0.5, destination=[_worker_name()]):
            break
    else:
        proc.kill()
        raise RuntimeError("celery worker did not answer within 30 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
