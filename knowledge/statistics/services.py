"""Writes of statistics: slices replaced from source, the full rebuild, staleness markers.

Every write replaces whole slices inside one transaction, after locking the slices' rows in
:class:`~knowledge.statistics.models.StatisticSlice` (``SELECT … FOR UPDATE``, always in the
same order so two runs never deadlock). So one computation per slice runs at a time, a run
that dies half-way leaves the previous rows, and running anything twice, or two at once, gives
identical rows.

One poison slice never holds the others back: the slices of a run are written together in a
savepoint, and when that fails, each in a savepoint of its own. A slice that fails alone keeps
its previous rows, stays stale, and has the failure recorded on its
:class:`~knowledge.statistics.models.StatisticSlice` row (shown on ``/healthz`` and to the
secretariat) until a run computes it again.

A slice marked stale whose recompute task was lost (the broker was down when it was enqueued, a
worker died with it) is recomputed by the sweep (:func:`statistics_sweep_stale`, every few
minutes) once it has been stale for longer than a grace period.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from knowledge.statistics import rollups
from knowledge.statistics.models import Statistic, StatisticSlice

logger = logging.getLogger(__name__)

_COMPARED: tuple[str, ...] = ("unit", "source", "total", "n_items", "n_enterprises")
_COMPARED += ("n_members", "median", "p25", "p75")

# Errors that are not a slice's fault — the connection, a deadlock, a statement or task time
# limit — end the whole run (the task retries it) instead of being recorded against a slice.
_NOT_THE_SLICE = (OperationalError, InterfaceError, SoftTimeLimitExceeded)
SUSPECTS_MAX = 10
_ERROR_MAX = 4000
_CLEARED: dict[str, Any] = {
    "failed_since": None,
    "failed_at": None,
    "failures": 0,
    "error": "",
    "suspects": [],
}

T = TypeVar("T")


@dataclass(frozen=True)
class RebuildResult:
    created: int
    updated: int
    deleted: int
    slices: int
    changes: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()  # "scope year: error" of each slice that failed and stays stale

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def _normalise(slices: Iterable[Any]) -> list[rollups.Slice]:
    """Slices as sorted, de-duplicated ``(scope, year)`` tuples (tasks pass lists)."""
    out = set()
    for scope, year in slices:
        if not rollups.is_valid_scope(str(scope)):
            raise ValueError(f"not a statistics scope: {scope!r}")
        out.add((str(scope), int(year)))
    return sorted(out)


def _ensure_slice_rows(slices: list[rollups.Slice]) -> None:
    StatisticSlice.objects.bulk_create(
        [StatisticSlice(scope=s, year=y) for s, y in slices], ignore_conflicts=True
    )


def _lock(slices: list[rollups.Slice] | None) -> list[StatisticSlice]:
    """Lock the slices' rows, always in (scope, year) order: every writer takes its locks in
    that one order, so two of them never wait on each other in a cycle."""
    qs = StatisticSlice.objects.order_by("scope", "year").select_for_update()
    if slices is None:
        return list(qs)
    match = Q(pk__in=[])
    for scope, year in slices:
        match |= Q(scope=scope, year=year)
    return list(qs.filter(match))


def statistics_mark_dirty(*, slices: Iterable[Any]) -> None:
    """Record that ``slices`` must be recomputed. Called inside the transaction of the change
    (an approval, a tier change, …: :mod:`knowledge.statistics.subscribers`), so the marker
    commits with the change even when the recompute cannot be enqueued (then the sweep,
    :func:`statistics_sweep_stale`, recomputes it)."""
    wanted = _normalise(slices)
    if not wanted:
        return
    now = timezone.now()
    _ensure_slice_rows(wanted)
    with transaction.atomic():
        locked = _lock(wanted)
        StatisticSlice.objects.filter(
            pk__in=[s.pk for s in locked], dirty_since__isnull=True
        ).update(dirty_since=now)


def statistics_recompute_slices(*, slices: Iterable[Any]) -> int:
    """Replace exactly the rows of ``slices`` with values recomputed from approved sources, in
    one transaction; a slice that fails alone is recorded and left stale (see the module
    docstring). Returns the number of rows written."""
    wanted = _normalise(slices)
    if not wanted:
        return 0
    # Slice rows are created before (outside) the locking transaction, so that no writer
    # ever waits on another's uncommitted insert while holding row locks.
    _ensure_slice_rows(wanted)
    with transaction.atomic():
        locked = {(s.scope, s.year): s for s in _lock(wanted)}
        now = timezone.now()
        written, failed = _isolated(wanted, lambda group: _replace(group, now))
        StatisticSlice.objects.filter(
            pk__in=[s.pk for key, s in locked.items() if key not in failed]
        ).update(dirty_since=None, computed_at=now, **_CLEARED)
        _record_failures(failed, locked, now)
    return sum(written)


def _replace(wanted: list[rollups.Slice], now: datetime) -> int:
    fresh = rollups.compute(wanted)
    by_year: dict[int, list[str]] = {}
    for scope, year in wanted:
        by_year.setdefault(year, []).append(scope)
    for year, scopes in by_year.items():
        Statistic.objects.filter(year=year, scope__in=scopes).delete()
    Statistic.objects.bulk_create(
        [
            Statistic(scope=scope, year=year, indicator=indicator, computed_at=now, **values)
            for (scope, year, indicator), values in sorted(fresh.items())
        ],
        batch_size=1000,
    )
    return len(fresh)


def _isolated(
    slices: list[rollups.Slice], run: Callable[[list[rollups.Slice]], T]
) -> tuple[list[T], dict[rollups.Slice, Exception]]:
    """``run`` over all ``slices`` in one savepoint (one pass over the sources); when that
    fails, over each slice in a savepoint of its own, so that only the slices that fail alone
    are left out. Returns the results of what succeeded and the error of each failed slice."""
    try:
        with transaction.atomic():
            return [run(slices)], {}
    except _NOT_THE_SLICE:
        raise
    except Exception as exc:
        if len(slices) == 1:
            logger.exception("statistics slice %s %s failed to recompute", *slices[0])
            return [], {slices[0]: exc}
        logger.warning(
            "statistics: %s slices failed together (%s); recomputing them one by one",
            len(slices),
            exc.__class__.__name__,
        )
    results: list[T] = []
    failed: dict[rollups.Slice, Exception] = {}
    for one in slices:
        try:
            with transaction.atomic():
                results.append(run([one]))
        except _NOT_THE_SLICE:
            raise
        except Exception as exc:
            logger.exception("statistics slice %s %s failed to recompute", *one)
            failed[one] = exc
    return results, failed


def _record_failures(
    failed: dict[rollups.Slice, Exception],
    locked: dict[rollups.Slice, StatisticSlice],
    now: datetime,
) -> None:
    """Record each failure on its slice's row (which stays stale), with the approved items
    changed since the slice last computed: the likely carriers of the poison. A slice seen for
    the first time gets its row after commit (see statistics_recompute_slices)."""
    later: list[tuple[rollups.Slice, dict[str, Any]]] = []
    for key, exc in sorted(failed.items()):
        row = locked.get(key)
        since = row.computed_at if row is not None else None
        suspects = rollups.items_changed_since(key, since, limit=SUSPECTS_MAX)
        values = {
            "error": f"{exc.__class__.__name__}: {exc}"[:_ERROR_MAX],
            "suspects": [list(item) for item in suspects],
        }
        if row is None:
            later.append((key, values))
        else:
            _mark_failed(key, values, now)
    if later:
        transaction.on_commit(lambda: _record_new_failures(later, now))


def _mark_failed(key: rollups.Slice, values: dict[str, Any], now: datetime) -> None:
    StatisticSlice.objects.filter(scope=key[0], year=key[1]).update(
        failed_since=Coalesce(F("failed_since"), now),
        failed_at=now,
        failures=F("failures") + 1,
        dirty_since=Coalesce(F("dirty_since"), now),
        **values,
    )


def _record_new_failures(failed: list[tuple[rollups.Slice, dict[str, Any]]], now: datetime) -> None:
    _ensure_slice_rows([key for key, _ in failed])
    for key, values in failed:
        _mark_failed(key, values, now)


# The sweep: a slice stale for longer than the grace period has lost its recompute task (the
# broker was down when it was enqueued, or the worker died with it): recompute it. The grace
# period leaves the normal on-commit task time to run first; a slice failing to recompute (a
# poison item) is retried at most once per FAILING_RETRY, the nightly rebuild aside.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500
SWEEP_CHUNK = 40
FAILING_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class SweepResult:
    slices: int
    rows: int


def statistics_sweep_stale(
    *,
    grace: timedelta = SWEEP_GRACE,
    limit: int = SWEEP_BATCH,
    now: datetime | None = None,
) -> SweepResult:
    """Recompute the slices that have been stale for longer than ``grace``, oldest first, at
    most ``limit`` in one run (the next run takes the rest), a few dozen slices of one year per
    transaction (:func:`statistics_recompute_slices`). Idempotent and safe beside the normal
    tasks: a slice whose task runs meanwhile is recomputed twice, to the same rows."""
    now = now or timezone.now()
    stale = list(
        StatisticSlice.objects.filter(dirty_since__lt=now - grace)
        .filter(Q(failed_at__isnull=True) | Q(failed_at__lt=now - FAILING_RETRY))
        .order_by("dirty_since", "scope", "year")
        .values_list("scope", "year")[:limit]
    )
    if not stale:
        return SweepResult(0, 0)
    logger.warning(
        "statistics sweep: %s slices stale for over %s (a lost recompute), recomputing",
        len(stale),
        grace,
    )
    # By year: a year's global slice reads the whole year, which its other slices then share.
    ordered = sorted(stale, key=lambda s: (s[1], s[0]))
    rows = 0
    for start in range(0, len(ordered), SWEEP_CHUNK):
        rows += statistics_recompute_slices(slices=ordered[start : start + SWEEP_CHUNK])
    return SweepResult(len(stale), rows)


@dataclass
class _Reconciled:
    """What one pass of the rebuild wrote (merged only once its savepoint is released)."""

    create: int = 0
    update: int = 0
    delete: int = 0
    changes: list[str] = field(default_factory=list)
    slices: set[rollups.Slice] = field(default_factory=set)


@transaction.atomic
def statistics_rebuild(*, expect_changes: bool = False) -> RebuildResult:
    """Recompute every slice from source and write only what differs; the nightly job and
    ``manage.py rebuild_statistics``. After correct incremental work there is nothing to change;
    what it did change is returned (and logged as a warning) because it points at a missed
    recompute. ``expect_changes`` is for callers that have just loaded data in bulk (the
    demo), where changes are the point and are logged at INFO.

    Everything is first rebuilt in one pass; if that fails, year by year, and a year that fails
    slice by slice, so every slice that can be computed is, and the others are recorded (and
    returned in ``failed``)."""
    locked = {(s.scope, s.year): s for s in _lock(None)}
    now = timezone.now()
    done: list[_Reconciled] = []
    failed: dict[rollups.Slice, Exception] = {}
    try:
        with transaction.atomic():
            done.append(_reconcile(None, now))
    except _NOT_THE_SLICE:
        raise
    except Exception as exc:
        logger.warning(
            "statistics rebuild: the full pass failed (%s); rebuilding year by year",
            exc.__class__.__name__,
        )
        for year_slices in _slices_by_year(locked):
            results, year_failed = _isolated(year_slices, lambda group: _reconcile(group, now))
            done += results
            failed.update(year_failed)
    StatisticSlice.objects.exclude(pk__in=[locked[k].pk for k in failed if k in locked]).update(
        dirty_since=None, computed_at=now, **_CLEARED
    )
    _record_failures(failed, locked, now)
    # Slices seen for the first time get their bookkeeping row after the locks are released
    # (see statistics_recompute_slices); their statistic rows are already written.
    new_slices = sorted(set().union(*(part.slices for part in done)) - set(locked))
    transaction.on_commit(lambda: _record_new_slices(new_slices, now))
    changes = [change for part in done for change in part.changes]
    result = RebuildResult(
        sum(part.create for part in done),
        sum(part.update for part in done),
        sum(part.delete for part in done),
        len(set().union(*(part.slices for part in done))),
        tuple(changes),
        tuple(
            f"{s} {y}: {exc.__class__.__name__}: {exc}" for (s, y), exc in sorted(failed.items())
        ),
    )
    if result.changed:
        (logger.info if expect_changes else logger.warning)(
            "statistics rebuild changed %s rows (%s created, %s updated, %s deleted): %s",
            result.changed,
            result.created,
            result.updated,
            result.deleted,
            "; ".join(changes[:50]),
        )
    else:
        logger.info("statistics rebuild: %s slices, nothing to change", result.slices)
    if result.failed:
        logger.error(
            "statistics rebuild: %s slices failed and stay stale: %s",
            len(result.failed),
            "; ".join(result.failed[:20]),
        )
    return result


def _slices_by_year(
    locked: dict[rollups.Slice, StatisticSlice],
) -> list[list[rollups.Slice]]:
    """Every slice the rebuild must visit, by year: those with a bookkeeping row, with stored
    rows, or with approved sources."""
    stored = set(Statistic.objects.order_by().values_list("scope", "year").distinct())
    known = set(locked) | stored
    years = {year for _, year in known} | rollups.source_years()
    out = []
    for year in sorted(years):
        slices = {key for key in known if key[1] == year} | rollups.slices_of_year(year)
        out.append(sorted(slices))
    return out


def _reconcile(wanted: list[rollups.Slice] | None, now: datetime) -> _Reconciled:
    """Bring the stored rows of ``wanted`` (every slice when None) in line with the sources,
    writing only the rows that differ."""
    fresh = rollups.compute(wanted)
    stored = Statistic.objects.all()
    if wanted is not None:
        # A year's or a slice's rows; narrowed further below, where a long OR would not help.
        stored = stored.filter(year__in={y for _, y in wanted}, scope__in={s for s, _ in wanted})
    keep = None if wanted is None else set(wanted)
    # Stored rows as plain tuples (tens of thousands of them: no model instances unless one
    # has to be written). Decimals compare by value, so 1.5 equals the stored 1.500000.
    current: dict[rollups.Key, tuple[int, tuple[Any, ...]]] = {
        (scope, year, indicator): (pk, tuple(values))
        for scope, year, indicator, pk, *values in stored.values_list(
            "scope", "year", "indicator", "pk", *_COMPARED
        ).iterator(chunk_size=5000)
        if keep is None or (scope, year) in keep
    }
    out = _Reconciled(slices={(s, y) for s, y, _ in fresh})
    create, update = [], []
    for key, values in fresh.items():
        found = current.pop(key, None)
        if found is None:
            create.append(
                Statistic(scope=key[0], year=key[1], indicator=key[2], computed_at=now, **values)
            )
            out.changes.append(f"created {key}")
            continue
        pk, stored_values = found
        if stored_values != tuple(values[f] for f in _COMPARED):
            differs = [
                f
                for f, old in zip(_COMPARED, stored_values, strict=True)
                if _cmp(old) != _cmp(values[f])
            ]
            update.append(
                Statistic(
                    pk=pk, scope=key[0], year=key[1], indicator=key[2], computed_at=now, **values
                )
            )
            out.changes.append(f"updated {key}: {', '.join(differs)}")
    Statistic.objects.bulk_create(create, batch_size=1000)
    Statistic.objects.bulk_update(update, [*_COMPARED, "computed_at"], batch_size=1000)
    deleted = [pk for pk, _ in current.values()]
    out.changes += [f"deleted {key}" for key in current]
    for start in range(0, len(deleted), 1000):
        Statistic.objects.filter(pk__in=deleted[start : start + 1000]).delete()
    out.create, out.update, out.delete = len(create), len(update), len(deleted)
    return out


def _record_new_slices(slices: list[rollups.Slice], now: datetime) -> None:
    StatisticSlice.objects.bulk_create(
        [StatisticSlice(scope=s, year=y, computed_at=now) for s, y in slices],
        ignore_conflicts=True,
    )


def _cmp(value: Any) -> Any:
    return rollups.q6(value) if value is not None and not isinstance(value, str | int) else value


def statistics_as_of() -> datetime | None:
    """Everything approved before this time is in the statistics: the oldest pending change
    when a slice is stale, else the latest computation."""
    agg = StatisticSlice.objects.aggregate(dirty=Min("dirty_since"), computed=Max("computed_at"))
    return agg["dirty"] or agg["computed"]


def statistics_failing_count() -> int:
    """How many slices are failing to recompute (for ``/healthz``; a partial index keeps it to
    the failing rows)."""
    return StatisticSlice.objects.filter(failed_since__isnull=False).count()
