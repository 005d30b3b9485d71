"""Real background work: a Celery worker on Redis, Redis unreachable, two rollups at once."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from knowledge.models import Statistic, StatisticSlice
from knowledge.statistics import services as stat_services
from knowledge.statistics.selectors import as_of
from tests.knowledge.stats.conftest import make_report


def _total(scope: str = "global") -> Decimal | None:
    row = Statistic.objects.filter(scope=scope, year=2014, indicator="energy_saved").first()
    return row.total if row else None


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_turns_an_approval_into_statistics(tenancy, celery_worker):
    make_report(
        tenancy,
        enterprises_assisted=3,
        impacts=[{"indicator": "energy_saved", "value": "42", "unit": "MWh"}],
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _total("chapter:africa") != Decimal("42"):
        time.sleep(0.1)
    assert _total("chapter:africa") == Decimal("42")
    assert not StatisticSlice.objects.filter(dirty_since__isnull=False).exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_approval_commits_and_rebuild_catches_up(tenancy, settings, broker):
    from recpnet.celery import app

    def reset_pools() -> None:
        # New connections are made from the current broker_url (kombu caches its pools).
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # a closed port: the broker is unreachable
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    reset_pools()
    try:
        report = make_report(
            tenancy,
            enterprises_assisted=3,
            impacts=[{"indicator": "energy_saved", "value": "7", "unit": "MWh"}],
        )
    finally:
        app.conf.broker_url = old
        reset_pools()
    report.refresh_from_db()
    assert report.status == "approved"
    assert _total() is None  # not rolled up yet
    state = as_of(scope="global")
    assert state.stale and state.at == state.stale_since
    stat_services.statistics_rebuild()
    assert _total() == Decimal("7")
    assert not as_of(scope="global").stale


@pytest.mark.postgres
@pytest.mark.usefixtures("eager_tasks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_rollups_at_once_give_identical_rows(tenancy, stats_rows):
    for year in (2012, 2013, 2014):
        make_report(
            tenancy,
            year=year,
            enterprises_assisted=year - 2000,
            impacts=[{"indicator": "energy_saved", "value": str(year), "unit": "MWh"}],
        )
    expected = stats_rows()
    slices = [("global", y) for y in (2012, 2013, 2014)] + [("chapter:africa", 2014)]
    errors: list[BaseException] = []

    def run(which: str) -> None:
        try:
            if which == "slices":
                stat_services.statistics_recompute_slices(slices=slices)
            else:
                stat_services.statistics_rebuild()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in ("slices", "rebuild", "slices")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not errors
    assert stats_rows() == expected
    assert stat_services.statistics_rebuild().changed == 0


@pytest.mark.postgres
@pytest.mark.usefixtures("eager_tasks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_recompute_leaves_previous_rows(tenancy, stats_rows):
    """A recompute whose connection dies inside its transaction (the worker was killed) rolls
    back: the previous rows stay, the slice stays stale, and a re-run gives the right rows."""
    make_report(
        tenancy,
        enterprises_assisted=3,
        impacts=[{"indicator": "energy_saved", "value": "5", "unit": "MWh"}],
    )
    before = stats_rows()
    report = make_report(
        tenancy,
        member=tenancy.member_b,
        enterprises_assisted=3,
        impacts=[{"indicator": "energy_saved", "value": "6", "unit": "MWh"}],
    )
    # Reset to the state before the second approval's recompute, marked stale.
    Statistic.objects.filter(year=2014).delete()
    stat_services.statistics_recompute_slices(slices=[("global", 2014)])  # consistent again
    stat_services.statistics_mark_dirty(slices=[("global", 2014)])
    snapshot = stats_rows()

    def killed() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                Statistic.objects.filter(scope="global", year=2014).delete()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        except Exception:  # the connection is gone, as in a killed worker
            connection.close()
        finally:
            connection.close()

    th = threading.Thread(target=killed)
    th.start()
    th.join(10)
    assert stats_rows() == snapshot
    assert StatisticSlice.objects.get(scope="global", year=2014).dirty_since is not None
    stat_services.statistics_rebuild()
    assert Statistic.objects.get(scope="global", year=2014, indicator="energy_saved").total == 11
    assert report.pk and before
