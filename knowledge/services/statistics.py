"""Writes of statistics: slices replaced from source, the full rebuild, staleness markers.

Every write replaces whole slices inside one transaction, after locking the slices' rows in
:class:`~knowledge.models.StatisticSlice` (``SELECT … FOR UPDATE``, always in the same order so
two runs never deadlock). So one computation per slice runs at a time, a run that dies half-way
leaves the previous rows, and running anything twice, or two at once, gives identical rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from knowledge import rollups
from knowledge.models import Statistic, StatisticSlice

logger = logging.getLogger(__name__)

_COMPARED: tuple[str, ...] = ("unit", "source", "total", "n_items", "n_enterprises")
_COMPARED += ("n_members", "median", "p25", "p75")


@dataclass(frozen=True)
class RebuildResult:
    created: int
    updated: int
    deleted: int
    slices: int
    changes: tuple[str, ...] = ()

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
    """Record that ``slices`` must be recomputed. Called inside the approving transaction, so
    the marker commits with the approval even when the recompute cannot be enqueued."""
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
    one transaction. Returns the number of rows written."""
    wanted = _normalise(slices)
    if not wanted:
        return 0
    # Slice rows are created before (outside) the locking transaction, so that no writer
    # ever waits on another's uncommitted insert while holding row locks.
    _ensure_slice_rows(wanted)
    with transaction.atomic():
        return _recompute_locked(wanted)


def _recompute_locked(wanted: list[rollups.Slice]) -> int:
    locked = _lock(wanted)
    fresh = rollups.compute(wanted)
    now = timezone.now()
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
    StatisticSlice.objects.filter(pk__in=[s.pk for s in locked]).update(
        dirty_since=None, computed_at=now
    )
    return len(fresh)


@transaction.atomic
def statistics_rebuild(*, expect_changes: bool = False) -> RebuildResult:
    """Recompute every slice from source and write only what differs; the nightly job and
    ``manage.py rebuild_statistics``. After correct incremental work there is nothing to change;
    what it did change is returned (and logged as a warning) because it points at a missed
    recompute. ``expect_changes`` is for callers that have just loaded data in bulk (the
    demo), where changes are the point and are logged at INFO."""
    _lock(None)
    fresh = rollups.compute(None)
    now = timezone.now()
    # Stored rows as plain tuples (tens of thousands of them: no model instances unless one
    # has to be written). Decimals compare by value, so 1.5 equals the stored 1.500000.
    current: dict[rollups.Key, tuple[int, tuple[Any, ...]]] = {
        (scope, year, indicator): (pk, tuple(stored))
        for scope, year, indicator, pk, *stored in Statistic.objects.values_list(
            "scope", "year", "indicator", "pk", *_COMPARED
        ).iterator(chunk_size=5000)
    }
    create, update, changes = [], [], []
    for key, values in fresh.items():
        found = current.pop(key, None)
        if found is None:
            create.append(
                Statistic(scope=key[0], year=key[1], indicator=key[2], computed_at=now, **values)
            )
            changes.append(f"created {key}")
            continue
        pk, stored = found
        if stored != tuple(values[f] for f in _COMPARED):
            differs = [
                f for f, old in zip(_COMPARED, stored, strict=True) if _cmp(old) != _cmp(values[f])
            ]
            update.append(
                Statistic(
                    pk=pk, scope=key[0], year=key[1], indicator=key[2], computed_at=now, **values
                )
            )
            changes.append(f"updated {key}: {', '.join(differs)}")
    Statistic.objects.bulk_create(create, batch_size=1000)
    Statistic.objects.bulk_update(update, [*_COMPARED, "computed_at"], batch_size=1000)
    deleted = [pk for pk, _ in current.values()]
    changes += [f"deleted {key}" for key in current]
    for start in range(0, len(deleted), 1000):
        Statistic.objects.filter(pk__in=deleted[start : start + 1000]).delete()
    StatisticSlice.objects.update(dirty_since=None, computed_at=now)
    # Slices seen for the first time get their bookkeeping row after the locks are released
    # (see statistics_recompute_slices); their statistic rows are already written.
    new_slices = sorted({(s, y) for s, y, _ in fresh})
    transaction.on_commit(lambda: _record_new_slices(new_slices, now))
    result = RebuildResult(len(create), len(update), len(deleted), len(new_slices), tuple(changes))
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
    return result


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
    from django.db.models import Max, Min

    agg = StatisticSlice.objects.aggregate(dirty=Min("dirty_since"), computed=Max("computed_at"))
    return agg["dirty"] or agg["computed"]
