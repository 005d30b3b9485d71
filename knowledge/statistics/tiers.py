"""Dated tiers: the tier a member held at the end of a year, from its dated tier history.

A report or case of year Y counts under the tier its member held on **31 December of Y**:

- the tier of the member's last :class:`~members.models.TierChange` effective on or before
  31 December Y (ordered by ``effective_on``, then ``recorded_at``, then id, so of two changes
  on one day the one recorded later wins);
- for a year before the member's first recorded change: its *entry tier*, the tier of that
  earliest change (a founding member admitted as regular in 2010 counts its 2008 cases as
  regular; a member admitted as observer, as observer);
- for a member with no tier history at all: its current tier (``Member.tier``).

So a promotion never rewrites the years before it. The one exception follows from the entry
rule: a change back-dated before every other change (or a member's first change) gives the
member a new entry tier, which restates the years before it too (the statistics' subscriber
marks those years).

From the year of the member's latest change on, the tier it held is its current tier, and that
is what is read there: ``Member.tier``, which the members' services set from the latest change
of the history in the same transaction as the change (``members.services``). So a recompute of
recent years reads the history only of the members whose tier changed after them — usually
none — instead of sorting every member's history; were ``Member.tier`` ever out of step with
the history, every reader below would still give the same answer, as they apply the same rule.

The rule is written three times, one per kind of reader, and the tests hold them equal:
:class:`TierTimelines` in Python (a few members: the slices of one item, of one year),
:func:`tier_at_year_end` as an ORM expression (one year: drill-down, suspects), and
:func:`periods_ctes` as tier periods for the aggregate SQL of the rollups (every member and
year at once: one hash join instead of a lookup per row).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, CharField, Exists, F, OuterRef, Subquery, When
from django.db.models.functions import Coalesce

from members.models import Member, TierChange


@dataclass
class _Timeline:
    current: str  # Member.tier: the tier from the latest change's year on
    entry: str = ""  # the tier before the first change (the first change's tier)
    years: list[int] = field(default_factory=list)  # years with a change, ascending
    tiers: list[str] = field(default_factory=list)  # the tier at the end of each of them

    def at(self, year: int) -> str:
        if not self.years or year >= self.years[-1]:
            return self.current
        i = bisect_right(self.years, year) - 1
        return self.entry if i < 0 else self.tiers[i]


class TierTimelines:
    """(member, year) → dated tier, for a set of members, from one query."""

    def __init__(self, timelines: dict[int, _Timeline]) -> None:
        self._timelines = timelines

    @classmethod
    def load(cls, member_ids: Iterable[int] | None = None) -> TierTimelines:
        """The timelines of ``member_ids`` (every member when None): each member with its tier
        changes in order (one LEFT JOIN)."""
        members = Member.objects.order_by(
            "pk", "tier_changes__effective_on", "tier_changes__recorded_at", "tier_changes__pk"
        )
        if member_ids is not None:
            members = members.filter(pk__in=sorted(set(member_ids)))
        timelines: dict[int, _Timeline] = {}
        for member_id, current, tier, effective_on in members.values_list(
            "pk", "tier", "tier_changes__tier", "tier_changes__effective_on"
        ):
            line = timelines.get(member_id)
            if line is None:
                line = timelines[member_id] = _Timeline(current=current)
            if tier is None:
                continue  # no history
            if not line.years:
                line.entry = tier
            if line.years and line.years[-1] == effective_on.year:
                line.tiers[-1] = tier  # a later change in the same year wins
            else:
                line.years.append(effective_on.year)
                line.tiers.append(tier)
        return cls(timelines)

    def at(self, member_id: int, year: int) -> str:
        """The tier ``member_id`` held on 31 December ``year``."""
        return self._timelines[member_id].at(year)


def tier_in_year(member_id: int, year: int) -> str:
    """The tier one member held on 31 December ``year`` (one query)."""
    return TierTimelines.load([member_id]).at(member_id, year)


def tier_at_year_end(member: str, year: int) -> Case:
    """An ORM expression: the tier that the member at lookup path ``member`` (``"member"``,
    ``"report__member"``) held on 31 December ``year``. For queries of one year (drill-down,
    a failing slice's suspects), where an index lookup or two per row is cheap."""
    changes = TierChange.objects.filter(member=OuterRef(member))
    year_end = dt.date(year, 12, 31)
    latest = (
        changes.filter(effective_on__lte=year_end)
        .order_by("-effective_on", "-recorded_at", "-pk")
        .values("tier")[:1]
    )
    entry = changes.order_by("effective_on", "recorded_at", "pk").values("tier")[:1]
    return Case(
        When(
            Exists(changes.filter(effective_on__gt=year_end)),
            then=Coalesce(Subquery(latest), Subquery(entry)),
        ),
        default=F(f"{member}__tier"),
        output_field=CharField(),
    )


def _year_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(SUBSTR({column}, 1, 4) AS INTEGER)"  # SQLite keeps dates as ISO text


def periods_ctes(*, from_year: int | None = None) -> str:
    """Two common table expressions (to follow ``WITH``; no parameters), the second of which,
    ``tier_periods (member_id, tier, y_from, y_to)``, says that the member held ``tier`` on 31
    December of every year ``y_from <= Y < y_to``, for the years before its latest change: one
    row per year in which its tier changed but the last (its last change that year, up to the
    year of the next change), and one from year 0 up to the first change's year with the entry
    tier. So ``LEFT JOIN tier_periods tp ON tp.member_id = x.member_id AND x.year >= tp.y_from
    AND x.year < tp.y_to`` (:func:`periods_join`) finds one period for a year before the
    member's latest change and none from then on, nor for a member without history: then
    ``COALESCE(tp.tier, m.tier)`` (:func:`tier_column`).

    ``from_year``: only years from it on will be looked up, so only the histories of members
    with a change after it are read. One sort of those histories (a single window), on
    PostgreSQL and SQLite alike."""
    table = TierChange._meta.db_table
    year = _year_of("effective_on")
    where = ""
    if from_year is not None:
        after = f"'{int(from_year):04d}-12-31'"
        where = f"WHERE member_id IN (SELECT member_id FROM {table} WHERE effective_on > {after})"  # noqa: S608
    return f"""tier_changes AS (
    SELECT member_id, tier, y, LEAD(y) OVER w AS next_y, ROW_NUMBER() OVER w AS k
    FROM (SELECT member_id, tier, effective_on, recorded_at, id, {year} AS y
          FROM {table} {where}) history
    WINDOW w AS (PARTITION BY member_id ORDER BY effective_on, recorded_at, id)
),
tier_periods AS (
    SELECT member_id, tier, y AS y_from, next_y AS y_to
    FROM tier_changes WHERE next_y <> y
    UNION ALL
    SELECT member_id, tier, 0, y FROM tier_changes WHERE k = 1
)"""  # noqa: S608 - table name from the model, a year from an int: no input


def periods_sql(*, from_year: int | None = None) -> str:
    """The tier periods (:func:`periods_ctes`) as one statement."""
    ctes = periods_ctes(from_year=from_year)
    return f"WITH {ctes}\nSELECT member_id, tier, y_from, y_to FROM tier_periods"


def periods_join(*, member_id: str, year: str) -> str:
    """``LEFT JOIN`` of ``tier_periods`` (:func:`periods_ctes`) to a row's ``member_id`` and
    ``year`` expressions, as ``tp``."""
    return (
        f"LEFT JOIN tier_periods tp ON tp.member_id = {member_id} "
        f"AND {year} >= tp.y_from AND {year} < tp.y_to"
    )


def tier_column(member_alias: str = "m") -> str:
    """The dated tier of a row joined with :func:`periods_join` and to its member."""
    return f"COALESCE(tp.tier, {member_alias}.tier)"
