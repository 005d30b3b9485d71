"""Network growth by year, computed from the dated tier and status histories.

A member counts in year Y when, as of 31 December Y, its latest status change is ``active``
(a member recorded with tier changes but no status history counts as active from its first
tier change). Its tier is the latest tier change on or before that day. Chapters follow the
current country → chapter assignment. Public figures: no acting user is needed.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from chapters.models import Chapter
from recpnet import bounds

from . import evidence
from .models import Member, Status, StatusChange, Tier, TierChange


@dataclass(frozen=True)
class _Timeline:
    dates: list[dt.date]
    values: list[str]

    def at(self, day: dt.date) -> str | None:
        i = bisect_right(self.dates, day)
        return self.values[i - 1] if i else None


def _timelines(rows: Any) -> dict[int, _Timeline]:
    grouped: dict[int, list[tuple[dt.date, Any, str]]] = defaultdict(list)
    for member_id, value, effective_on, recorded_at in rows:
        grouped[member_id].append((effective_on, recorded_at, value))
    out = {}
    for member_id, items in grouped.items():
        items.sort(key=lambda r: (r[0], r[1]))
        out[member_id] = _Timeline([r[0] for r in items], [r[2] for r in items])
    return out


def network_growth(
    *, first_year: int | None = None, last_year: int | None = None
) -> list[dict[str, Any]]:
    """One row per year: ``{year, members, countries, by_tier, by_chapter, by_type, joined,
    lapsed, active_contributors}``. Four queries whatever the number of members."""
    members = {
        m["pk"]: m
        for m in Member.objects.values(
            "pk", "country_id", "country__chapter__slug", "organisation_type"
        )
    }
    tiers = _timelines(
        TierChange.objects.values_list("member_id", "tier", "effective_on", "recorded_at")
    )
    statuses = _timelines(
        StatusChange.objects.values_list("member_id", "status", "effective_on", "recorded_at")
    )
    chapter_slugs = list(
        Chapter.objects.order_by("position", "name").values_list("slug", flat=True)
    )
    if not tiers and not statuses:
        return []
    first_dates = [t.dates[0] for t in tiers.values()] + [s.dates[0] for s in statuses.values()]
    # Dates are bounded at input (recpnet.bounds); the clamp keeps one stray old row from
    # making the page centuries long.
    start = first_year or max(bounds.YEAR_MIN, min(d.year for d in first_dates))
    end = last_year or timezone.localdate().year
    report_years = evidence.approved_report_years(members.keys())

    def status_at(member_id: int, day: dt.date) -> str | None:
        timeline = statuses.get(member_id)
        if timeline is not None:
            return timeline.at(day)
        tier_line = tiers.get(member_id)
        if tier_line is not None and tier_line.at(day) is not None:
            return Status.ACTIVE
        return None

    def became_member_on(member_id: int) -> dt.date | None:
        timeline = statuses.get(member_id)
        if timeline is not None:
            for day, value in zip(timeline.dates, timeline.values, strict=True):
                if value == Status.ACTIVE:
                    return day
            return None
        tier_line = tiers.get(member_id)
        return tier_line.dates[0] if tier_line else None

    joined_on = {pk: became_member_on(pk) for pk in members}
    lapsed_years: Counter[int] = Counter()
    for timeline in statuses.values():
        for day, value in zip(timeline.dates, timeline.values, strict=True):
            if value == Status.LAPSED:
                lapsed_years[day.year] += 1

    rows = []
    for year in range(start, end + 1):
        day = dt.date(year, 12, 31)
        by_tier: Counter[str] = Counter({t.value: 0 for t in Tier})
        by_chapter: Counter[str] = Counter(dict.fromkeys(chapter_slugs, 0))
        by_type: Counter[str] = Counter()
        countries: set[str] = set()
        count = 0
        contributors = 0
        for pk, m in members.items():
            if status_at(pk, day) != Status.ACTIVE:
                continue
            count += 1
            tier_line = tiers.get(pk)
            by_tier[(tier_line.at(day) if tier_line else None) or Tier.OBSERVER] += 1
            by_chapter[m["country__chapter__slug"]] += 1
            by_type[m["organisation_type"]] += 1
            countries.add(m["country_id"])
            if year in report_years.get(pk, ()):
                contributors += 1
        rows.append(
            {
                "year": year,
                "members": count,
                "countries": len(countries),
                "by_tier": dict(by_tier),
                "by_chapter": dict(by_chapter),
                "by_type": dict(sorted(by_type.items())),
                "joined": sum(1 for d in joined_on.values() if d and d.year == year),
                "lapsed": lapsed_years[year],
                "active_contributors": contributors,
            }
        )
    return rows


def growth_as_of(year: int) -> dict[str, Any] | None:
    rows = network_growth(first_year=year, last_year=year)
    return rows[0] if rows else None
