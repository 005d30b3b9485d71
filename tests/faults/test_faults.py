"""Fault tests on the real parts: PostgreSQL, Redis and Celery worker processes.

- a worker's child process killed (SIGKILL) in the middle of a rollup: the task runs again and
  the statistics end correct;
- Redis unreachable while members submit and coordinators approve through the pages: every
  write commits, no page fails, the statistics say they are stale and catch up afterwards;
- 50 concurrent approvals of different reports in one chapter give exact chapter totals;
  20 concurrent approvals of the same report: exactly one succeeds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings

from knowledge.evidence.services import reports as report_services
from knowledge.models import AnnualReport, Statistic, StatisticSlice
from knowledge.statistics import services as stat_services
from recpnet.exceptions import ConflictError
from tests import factories
from tests.conftest import _database_url

ROOT = Path(__file__).resolve().parent.parent.parent
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: Redis is unreachable

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _energy(value: str) -> list[dict[str, str]]:
    return [{"indicator": "energy_saved", "value": value, "unit": "MWh"}]


def _submitted_report(member: Any, staff: Any, value: str, year: int = 2014) -> AnnualReport:
    report = report_services.report_create(
        member=member,
        year=year,
        actor=staff,
        activity={"enterprises_assisted": 3},
        impacts=_energy(value),
    )
    return report_services.report_submit(report=report, actor=staff)


def _total(scope: str, year: int = 2014) -> Decimal | None:
    row = Statistic.objects.filter(scope=scope, year=year, indicator="energy_saved").first()
    return row.total if row else None


def _wait(predicate: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


class _broker_down:
    """Point Celery's broker (and the cache) at a closed port, as if Redis were down."""

    def __enter__(self) -> None:
        from recpnet.celery import app

        self.app, self.old = app, app.conf.broker_url
        app.conf.broker_url = DEAD_REDIS
        self._reset()
        self.cache = override_settings(
            REDIS_URL=DEAD_REDIS,
            CACHES={
                "default": {
                    "BACKEND": "recpnet.cache.ResilientRedisCache",
                    "LOCATION": DEAD_REDIS,
                    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
                }
            },
        )
        self.cache.enable()

    def _reset(self) -> None:
        self.app._pool = None
        self.app.amqp._producer_pool = None

    def __exit__(self, *exc: object) -> None:
        self.cache.disable()
        self.app.conf.broker_url = self.old
        self._reset()


@pytest.fixture
def fault_worker(
    tmp_path: Path, broker: None
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """A worker with a prefork pool (one child) on a queue of its own, so it can be killed
    without touching the session's worker."""
    queue = f"recpnet-fault-{os.getpid()}-{time.monotonic_ns()}"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "recpnet.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
    }
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    name = f"fault-{os.getpid()}@{os.uname().nodename}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                celery,
                "-A",
                "recpnet",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                name,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    from recpnet.celery import app

    assert _wait(lambda: bool(app.control.ping(timeout=0.5, destination=[name])), 30), (
        log_path.read_text()
    )
    yield proc, queue, log_path
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _pg_connect() -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or 5432,
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
    )


def test_worker_killed_mid_rollup_runs_the_task_again(tenancy, fault_worker) -> None:
    proc, queue, log_path = fault_worker
    report = _submitted_report(tenancy.member_a, tenancy.staff_a, "42")
    with _broker_down():  # the approval commits; its recompute cannot be enqueued
        report_services.report_approve(report=report, actor=tenancy.coordinator_a)
    dirty = list(
        StatisticSlice.objects.filter(dirty_since__isnull=False).values_list("scope", "year")
    )
    assert ("global", 2014) in dirty
    assert _total("global") is None

    from knowledge.statistics.tasks import recompute_statistics

    # Hold the global slice's lock so the task stops in the middle of its transaction.
    with _pg_connect() as blocker:
        blocker.execute(
            "SELECT 1 FROM knowledge_statisticslice WHERE scope = 'global' AND year = 2014 "
            "FOR UPDATE"
        )
        recompute_statistics.apply_async(args=[[list(s) for s in dirty]], queue=queue)

        def waiting_on_lock() -> bool:
            with _pg_connect() as probe:
                row = probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).fetchone()
            return bool(row and row[0])

        assert _wait(waiting_on_lock, 30), log_path.read_text()
        (child,) = _children(proc.pid)
        os.kill(child, signal.SIGKILL)
        assert _wait(lambda: child not in _children(proc.pid) and bool(_children(proc.pid)), 30)
        blocker.rollback()  # let the re-run through

    assert _wait(
        lambda: not StatisticSlice.objects.filter(dirty_since__isnull=False).exists(), 60
    ), log_path.read_text()
    assert _total("global") == Decimal("42")
    assert _total("chapter:africa") == Decimal("42")
    log = log_path.read_text()
    assert "signal 9" in log or "WorkerLostError" in log, log
    assert stat_services.statistics_rebuild().changed == 0


def test_redis_down_writes_commit_pages_work_and_statistics_catch_up(
    tenancy, client, broker
) -> None:
    from django.urls import reverse

    slug = tenancy.member_a.slug
    with _broker_down():
        client.force_login(tenancy.staff_a)
        response = client.post(
            reverse("knowledge:report-new", kwargs={"slug": slug}),
            {
                "year": "2014",
                "enterprises_assisted": "5",
                "impact_energy_saved": "12.5",
                "unit_energy_saved": "MWh",
            },
        )
        assert response.status_code in (200, 302), response.content[:500]
        report = AnnualReport.objects.get(member=tenancy.member_a, year=2014)
        response = client.post(
            reverse(
                "knowledge:report-action", kwargs={"slug": slug, "year": 2014, "action": "submit"}
            )
        )
        assert response.status_code in (200, 302)
        report.refresh_from_db()
        assert report.status == "submitted"

        client.force_login(tenancy.coordinator_a)
        response = client.post(
            reverse(
                "knowledge:report-action", kwargs={"slug": slug, "year": 2014, "action": "approve"}
            )
        )
        assert response.status_code in (200, 302)
        report.refresh_from_db()
        assert report.status == "approved"
        # Pages still render, and the dashboard says its figures are stale.
        for name, kwargs in (
            ("knowledge:stats-global", {}),
            ("knowledge:stats-chapter", {"slug": "africa"}),
            ("knowledge:report-queue", {}),
            ("dashboard", {}),
        ):
            page = client.get(reverse(name, kwargs=kwargs))
            assert page.status_code == 200, name
        assert (
            b"stale"
            in client.get(
                reverse("knowledge:stats-chapter", kwargs={"slug": "africa"})
            ).content.lower()
        )
        health = client.get("/healthz").json()
        assert health["broker"]["ok"] is False
        assert health["database"]["ok"] is True
    assert _total("chapter:africa") is None
    # Redis is back: the nightly rebuild (here run by hand) catches up.
    stat_services.statistics_rebuild()
    assert _total("chapter:africa") == Decimal("12.5")
    assert not StatisticSlice.objects.filter(dirty_since__isnull=False).exists()


def test_fifty_concurrent_approvals_in_one_chapter_give_exact_totals(
    tenancy, celery_worker
) -> None:
    coordinator = tenancy.coordinator_a
    members = [
        factories.MemberFactory(country=factories.country(code))
        for code in ("KE", "TZ", "UG", "ET", "GH") * 10
    ]
    reports = []
    for i, member in enumerate(members):
        staff = factories.MembershipFactory(member=member).user
        reports.append(_submitted_report(member, staff, str(i + 1)))
    errors: list[BaseException] = []

    def approve(report: AnnualReport) -> None:
        try:
            report_services.report_approve(report=report, actor=coordinator)
        except BaseException as exc:  # recorded, asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(approve, reports))
    assert errors == []
    expected = Decimal(sum(range(1, 51)))
    assert _wait(
        lambda: (
            _total("chapter:africa") == expected
            and not StatisticSlice.objects.filter(dirty_since__isnull=False).exists()
        ),
        60,
    ), _total("chapter:africa")
    assert _total("global") == expected
    assert stat_services.statistics_rebuild().changed == 0


def test_twenty_concurrent_approvals_of_one_report_exactly_one_succeeds(tenancy, broker) -> None:
    report = _submitted_report(tenancy.member_a, tenancy.staff_a, "9")
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def approve() -> None:
        fresh = AnnualReport.objects.get(pk=report.pk)
        start.wait()
        try:
            report_services.report_approve(report=fresh, actor=tenancy.coordinator_a)
            result = "approved"
        except ConflictError:
            result = "conflict"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve) for _ in range(20)]
    with _broker_down():  # no worker needed: the question is the transition alone
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(outcomes) == ["approved"] + ["conflict"] * 19
    from knowledge.models import Transition

    assert Transition.objects.filter(object_id=report.pk, action="approve").count() == 1


def test_redis_down_log_in_and_api_tokens_still_work(tenancy, client, broker) -> None:
    """The log-in limits live in the cache: with Redis down they are not enforced (and the
    outage is in the log and on /healthz), but nobody is locked out of the portal."""
    with _broker_down():
        response = client.post(
            "/accounts/login/", {"login": tenancy.staff_a.email, "password": factories.PASSWORD}
        )
        assert response.status_code == 302, response.content[:300]
        issued = client.post(
            "/api/v1/auth/token/",
            {"email": tenancy.staff_a.email, "password": factories.PASSWORD},
            content_type="application/json",
        )
        assert issued.status_code == 200, issued.content[:300]
