"""Reads of statistics. Dashboards and the statistics API read only the stored rows.

Public callers (visitors and users outside the network) get every cell with fewer than
:data:`MIN_ENTERPRISES` distinct enterprises suppressed; network users see all.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Min, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chapters.models import Chapter, Country
from knowledge.catalogue.models import Indicator
from knowledge.evidence.models.cases import Case
from knowledge.evidence.models.reports import ACTIVITY_FIELDS, AnnualReport
from knowledge.evidence.models.review import ReviewStatus
from knowledge.evidence.selectors.cases import cases_visible_to
from knowledge.evidence.selectors.reports import reports_visible_to
from knowledge.statistics import policies, rollups
from knowledge.statistics.models import Statistic, StatisticSlice
from members.growth import network_growth
from members.models import Member, StatusChange, Tier, TierChange

MIN_ENTERPRISES = 3

ISIC_SECTIONS: dict[str, str] = {
    "A": "Agriculture, forestry and fishing",
    "B": "Mining and quarrying",
    "C": "Manufacturing",
    "D": "Electricity, gas, steam and air conditioning supply",
    "E": "Water supply; sewerage, waste management and remediation",
    "F": "Construction",
    "G": "Wholesale and retail trade",
    "H": "Transportation and storage",
    "I": "Accommodation and food service activities",
    "J": "Information and communication",
    "K": "Financial and insurance activities",
    "L": "Real estate activities",
    "M": "Professional, scientific and technical activities",
    "N": "Administrative and support service activities",
    "O": "Public administration and defence",
    "P": "Education",
    "Q": "Human health and social work activities",
    "R": "Arts, entertainment and recreation",
    "S": "Other service activities",
    "T": "Activities of households as employers",
    "U": "Activities of extraterritorial organisations",
}

DISTRIBUTION_LABELS: dict[str, str] = {
    rollups.PAYBACK: "Payback (years)",
    **{
        f"{k}_productivity_change_pct": f"{k.capitalize()} productivity, % change"
        for k in rollups.RESOURCE_KINDS
    },
    **{
        f"{k}_intensity_change_pct": f"{k.capitalize()} intensity, % change"
        for k in rollups.POLLUTION_KINDS
    },
}

VALUE_FIELDS = ("total", "median", "p25", "p75")


def sees_all(*, actor: Any) -> bool:
    """Network users (logged-in users of active members, coordinators, the secretariat) see
    every cell; everyone else gets the public, suppressed view."""
    return policies.allows(actor, "statistic", "view_all_cells")


# What a scope's value may look like, checked before it reaches a query: anything else (a NUL,
# a 300-character string) is a 404 rather than a database error.
_SCOPE_VALUE = {
    "chapter": re.compile(r"[a-z0-9-]{1,50}"),
    "country": re.compile(r"[A-Za-z]{2}"),
    "sector": re.compile(r"[A-Za-z]"),
}


def _check_scope_value(kind: str, value: str) -> None:
    if kind == "tier":
        ok = value in Tier.values
    else:
        pattern = _SCOPE_VALUE.get(kind)
        ok = pattern is not None and pattern.fullmatch(value) is not None
    if not ok:
        raise Http404


def parse_scope(scope: str) -> str:
    """A well-formed scope or 404: ``global``, ``chapter:<slug>``, ``country:<ISO2>``,
    ``sector:<ISIC section>`` or ``tier:<tier>`` (ISO2 and section in any case)."""
    scope = (scope or "global").strip()
    if scope == "global":
        return scope
    kind, value = rollups.scope_kind(scope), rollups.scope_value(scope)
    _check_scope_value(kind, value)
    if kind in ("country", "sector"):
        scope = f"{kind}:{value.upper()}"
    if not rollups.is_valid_scope(scope):
        raise Http404
    return scope


def scope_label(scope: str) -> str:
    """The name of what ``scope`` covers; 404 when it names no chapter, country, ISIC section
    or tier."""
    kind, value = rollups.scope_kind(scope), rollups.scope_value(scope)
    if kind != "global":
        _check_scope_value(kind, value)
    if kind == "global":
        return str(_("Global network"))
    if kind == "chapter":
        chapter = Chapter.objects.filter(slug=value).values_list("name", flat=True).first()
        if chapter is None:
            raise Http404
        return chapter
    if kind == "country":
        country = Country.objects.filter(code=value).first()
        if country is None:
            raise Http404
        return country.name
    if kind == "sector":
        if value not in ISIC_SECTIONS:
            raise Http404
        return f"{value} — {ISIC_SECTIONS[value]}"
    if kind == "tier":
        if value not in Tier.values:
            raise Http404
        return str(Tier(value).label)
    raise Http404


def is_statistic_indicator(code: str) -> bool:
    """An indicator the statistics can have rows for: the catalogue's, or a case distribution."""
    if code in rollups.DISTRIBUTION_INDICATORS:
        return True
    return Indicator.objects.filter(code=code).exists()


def _suppress(row: dict[str, Any], public: bool) -> dict[str, Any]:
    suppressed = public and row["n_enterprises"] < MIN_ENTERPRISES
    if suppressed:
        row.update(dict.fromkeys(VALUE_FIELDS))
    row["suppressed"] = suppressed
    return row


def statistics_rows(
    *,
    actor: Any,
    scope: str | None = None,
    year: int | None = None,
    indicator: str | None = None,
    scope_prefix: str | None = None,
    public: bool | None = None,
    with_computed_at: bool = False,
) -> list[dict[str, Any]]:
    """Stored statistic rows as dicts, suppressed for the public (``public``: the caller has
    already worked out whether the actor is outside the network). Each row's own computation
    time only when asked for (exports): the pages show the scope's as-of time instead."""
    qs: QuerySet[Statistic] = Statistic.objects.all()
    if scope:
        qs = qs.filter(scope=scope)
    if scope_prefix:
        qs = qs.filter(scope__startswith=scope_prefix)
    if year:
        qs = qs.filter(year=year)
    if indicator:
        qs = qs.filter(indicator=indicator)
    if public is None:
        public = not sees_all(actor=actor)
    fields: tuple[str, ...] = ("scope", "year", "indicator", "unit", "source", "total")
    fields += ("n_items",)
    fields += ("n_enterprises", "n_members", "median", "p25", "p75")
    if with_computed_at:
        fields += ("computed_at",)
    return [
        _suppress(row, public) for row in qs.order_by("scope", "year", "indicator").values(*fields)
    ]


@dataclass(frozen=True)
class AsOf:
    at: datetime | None
    stale_since: datetime | None

    @property
    def stale(self) -> bool:
        return self.stale_since is not None


def as_of(*, scope: str | None = None) -> AsOf:
    """When the figures (of ``scope``, or all) were computed, and since when some are stale."""
    qs = StatisticSlice.objects.all()
    if scope:
        qs = qs.filter(scope=scope)
    agg = qs.aggregate(computed=Max("computed_at"), dirty=Min("dirty_since"))
    return AsOf(at=agg["dirty"] or agg["computed"], stale_since=agg["dirty"])


# --- dashboards ---------------------------------------------------------------------------


def _labels() -> dict[str, tuple[str, str]]:
    return {
        code: (name, unit)
        for code, name, unit in Indicator.objects.values_list("code", "name", "unit")
    }


def dashboard(
    *,
    actor: Any,
    scope: str,
    year: int | None = None,
    public: bool | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """Everything a dashboard page shows for ``scope``: the year's totals, series by year,
    implementation rate, distributions, and (global, chapter) the map by country."""
    label = label or scope_label(scope)
    if public is None:
        public = not sees_all(actor=actor)
    rows = statistics_rows(actor=actor, scope=scope, public=public)
    labels = _labels()
    years = sorted({r["year"] for r in rows})
    selected = year if year in years else (years[-1] if years else None)
    by_key = {(r["year"], r["indicator"]): r for r in rows}

    totals, distributions = [], []
    for r in rows:
        if r["year"] != selected:
            continue
        name, unit = labels.get(
            r["indicator"], (DISTRIBUTION_LABELS.get(r["indicator"], r["indicator"]), r["unit"])
        )
        item = {**r, "name": name, "unit": r["unit"] or unit}
        if r["indicator"] in rollups.DISTRIBUTION_INDICATORS:
            distributions.append(item)
        else:
            totals.append(item)
    order = {code: i for i, code in enumerate(labels)}
    totals.sort(key=lambda r: order.get(r["indicator"], 999))

    def rate(y: int | None) -> float | None:
        ident = by_key.get((y, "options_identified"))
        impl = by_key.get((y, "options_implemented"))
        if not ident or not impl or ident["total"] in (None, 0) or impl["total"] is None:
            return None
        return round(float(impl["total"]) / float(ident["total"]) * 100, 1)

    series_codes = [c for c in labels if any(r["indicator"] == c for r in rows)]
    series = {
        code: {
            "labels": [str(y) for y in years],
            "datasets": [
                {
                    "label": labels[code][0],
                    "data": [_num(by_key.get((y, code), {}).get("total")) for y in years],
                }
            ],
            "y_label": labels[code][1] or str(_("count")),
        }
        for code in series_codes
    }
    rate_series = {
        "labels": [str(y) for y in years],
        "datasets": [
            {"label": str(_("Implementation rate (%)")), "data": [rate(y) for y in years]}
        ],
        "y_label": "%",
    }
    return {
        "scope": scope,
        "kind": rollups.scope_kind(scope),
        "label": label,
        "years": years,
        "year": selected,
        "totals": totals,
        "distributions": distributions,
        "implementation_rate": rate(selected),
        "series": series,
        "rate_series": rate_series,
        "as_of": as_of(scope=scope),
        "public": public,
        "labels": labels,
    }


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, Decimal | int | float) else None


def choropleth(
    *,
    actor: Any,
    year: int | None,
    indicator: str,
    within: str = "global",
    public: bool | None = None,
    labels: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """``{"values": {"404": n}, "label": …, "names": …}`` for the world map: one country
    statistic per country (within a chapter when ``within`` is a chapter scope)."""
    if year is None:
        return {"values": {}, "label": indicator}
    rows = statistics_rows(
        actor=actor, year=year, indicator=indicator, scope_prefix="country:", public=public
    )
    codes = [rollups.scope_value(r["scope"]) for r in rows]
    countries = Country.objects.filter(code__in=codes)
    if rollups.scope_kind(within) == "chapter":
        countries = countries.filter(chapter__slug=rollups.scope_value(within))
    numeric = {c.code: c.numeric for c in countries}
    names = {c.code: c.name for c in countries}
    values, tooltip = {}, {}
    for r, code in zip(rows, codes, strict=True):
        if code in numeric and numeric[code] and r["total"] is not None:
            key = f"{numeric[code]:03d}"
            values[key] = float(r["total"])
            tooltip[key] = names[code]
    name, unit = (labels if labels is not None else _labels()).get(indicator, (indicator, ""))
    return {"values": values, "names": tooltip, "label": f"{name} ({unit})" if unit else name}


def scope_index() -> dict[str, list[tuple[str, str]]]:
    """Links to every scope that has statistics, for the dashboards' navigation."""
    # order_by(): the model's ordering would add ``year`` to the DISTINCT (a row per slice).
    scopes = set(StatisticSlice.objects.order_by().values_list("scope", flat=True).distinct())
    chapters = list(Chapter.objects.order_by("position", "name").values_list("slug", "name"))
    countries = sorted(
        (c.name, c.code)
        for c in Country.objects.filter(
            code__in=[rollups.scope_value(s) for s in scopes if s.startswith("country:")]
        )
    )
    sectors = sorted(rollups.scope_value(s) for s in scopes if s.startswith("sector:"))
    return {
        "chapters": [(slug, name) for slug, name in chapters],
        "countries": [(code, name) for name, code in countries],
        "sectors": [(s, ISIC_SECTIONS.get(s, s)) for s in sectors],
        "tiers": [(t.value, str(t.label)) for t in Tier],
    }


# --- drill-down ---------------------------------------------------------------------------


def drilldown(*, actor: Any, scope: str, year: int) -> dict[str, Any]:
    """The approved reports and cases behind the figures of ``scope`` in ``year``, each through
    its own selector: reports are network data (the public sees the statistics only, with small
    cells suppressed), and the case library keeps its visibility rules and enterprise names.
    A tier's items are those whose member held the tier on 31 December of ``year`` (the dated
    tier the figures are computed with), not the member's tier today: the items of a cell are
    those its figures are computed from (:func:`~knowledge.statistics.rollups.scope_q`)."""
    cell = {(scope, year)}
    reports = list(
        reports_visible_to(actor=actor)
        .filter(status=ReviewStatus.APPROVED, year=year)
        .filter(rollups.scope_q(cell, item="report"))
        .select_related("member__country")
        .order_by("member__name")
    )
    cases = list(
        cases_visible_to(actor=actor)
        .filter(status=ReviewStatus.APPROVED, year=year)
        .filter(rollups.scope_q(cell, item="case"))
        .order_by("title")
    )
    return {"reports": reports, "cases": cases, "activity_fields": ACTIVITY_FIELDS}


GROWTH_CACHE_SECONDS = 24 * 3600
DASHBOARD_CACHE_SECONDS = 300


_VERSION_SQL = (
    "SELECT (SELECT MAX(computed_at) FROM {slice}), (SELECT MIN(dirty_since) FROM {slice}), "
    "(SELECT COUNT(*) FROM {slice}), (SELECT COUNT(*) FROM {member}), "
    "(SELECT MAX(updated_at) FROM {member}), (SELECT MAX(id) FROM {tier}), "
    "(SELECT COUNT(*) FROM {tier}), (SELECT MAX(id) FROM {status}), "
    "(SELECT COUNT(*) FROM {status})"
)


def dashboard_version() -> str:
    """A fingerprint of what the dashboards show, in one query: the slices' computation and
    staleness times (they move with every approval, reopening, recompute and rebuild), and the
    members with their tier and status histories (network growth) — and the date. Anything
    cached under it is current; what it does not cover (a renamed indicator or chapter) is
    picked up when the cache entry expires (:data:`DASHBOARD_CACHE_SECONDS`)."""
    tables = {
        "slice": StatisticSlice._meta.db_table,
        "member": Member._meta.db_table,
        "tier": TierChange._meta.db_table,
        "status": StatusChange._meta.db_table,
    }
    sql = _VERSION_SQL.format(**tables)  # table names from the models, no input
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    fingerprint = repr((timezone.localdate().isoformat(), *row))
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:32]


def growth(*, version: str | None = None) -> list[dict[str, Any]]:
    """Network growth by year (computed by the members app from the tier and status histories
    and the approved reports). It walks every member for every year, so it is cached under
    :func:`dashboard_version`, which changes whenever one of its inputs does."""
    key = f"knowledge:growth:{version or dashboard_version()}"
    rows = cache.get(key)
    if rows is None:
        rows = network_growth()
        cache.set(key, rows, GROWTH_CACHE_SECONDS)
    return rows


# --- failing slices (the secretariat) -----------------------------------------------------


def failing_slices(*, actor: Any) -> list[dict[str, Any]]:
    """The slices whose recompute fails, oldest failure first, for the secretariat: each with
    its error, when it first and last failed, and its suspect items (approved reports and cases
    changed since the slice last computed) with their pages. Three queries, however many."""
    policies.authorize(actor, "statistic_slice", "view_failures")
    slices = list(
        StatisticSlice.objects.filter(failed_since__isnull=False).order_by(
            "failed_since", "scope", "year"
        )
    )
    wanted: dict[str, set[int]] = {"report": set(), "case": set()}
    for row in slices:
        for kind, pk in row.suspects:
            wanted.setdefault(kind, set()).add(pk)
    links: dict[tuple[str, int], tuple[str, str]] = {}
    if wanted["report"]:
        for pk, year, slug, name in AnnualReport.objects.filter(
            pk__in=wanted["report"]
        ).values_list("pk", "year", "member__slug", "member__name"):
            url = reverse("knowledge:report-detail", kwargs={"slug": slug, "year": year})
            links[("report", pk)] = (f"{name} — {year}", url)
    if wanted["case"]:
        for pk, public_id, title in Case.objects.filter(pk__in=wanted["case"]).values_list(
            "pk", "public_id", "title"
        ):
            url = reverse("knowledge:case-detail", kwargs={"public_id": public_id})
            links[("case", pk)] = (title, url)
    kinds = {"report": _("Annual report"), "case": _("Case")}
    out = []
    for row in slices:
        items = []
        for kind, pk in row.suspects:
            label, url = links.get((kind, pk), (f"#{pk}", ""))  # deleted since: no page
            items.append({"kind": kinds.get(kind, kind), "label": label, "url": url})
        out.append({"slice": row, "items": items})
    return out
