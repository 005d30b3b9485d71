"""The rollup engine: statistics computed from approved source rows, slice by slice.

A *slice* is one (scope, year): ``("global", 2014)``, ``("chapter:africa", 2014)``,
``("country:KE", 2014)``, ``("tier:regular", 2014)``, ``("sector:C", 2014)``. Everything here
is pure computation (reads only); :mod:`knowledge.statistics.services` writes the rows.

- **Dimensions as of the figure's year.** A report or case of year Y counts under the tier its
  member held on 31 December of Y, from the dated tier history (the rule, including the years
  before a member's first recorded change, is in :mod:`knowledge.statistics.tiers`), and under
  the chapter its country belongs to *now* (a country moved to another chapter restates that
  chapter's history). A report counts under its member's current country; a case under its
  own country.
- **Network totals** (impact totals and activity counters) come from approved annual reports.
  The database sums them at the finest grain a report has (year × country × dated tier ×
  indicator, one scan, the tier found by one hash join to the members' tier periods); this
  module then adds those partial sums into the coarser scopes (a country is in exactly one
  chapter, a member in one tier in a given year, so sums and counts are additive). A full
  rebuild is therefore one aggregate query per source, whatever the number of scopes.
- **Sector** figures come from approved cases (reports have no sector): impact totals, money
  and options identified/implemented.
- **Distributions** of case-level ratios (payback, % change of resource productivity and of
  pollution intensity) come from approved cases for every scope: median and quartiles with
  PostgreSQL's ``percentile_cont``; the same linear interpolation in Python on SQLite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Context as DecimalContext
from decimal import Decimal
from typing import Any, cast

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr
from django.db.models.lookups import Exact

from chapters.models import Chapter, Country
from knowledge.catalogue.models import Indicator
from knowledge.evidence.models.cases import Case, CaseFigure, CaseImpact
from knowledge.evidence.models.reports import ACTIVITY_FIELDS, AnnualReport, ReportImpact
from knowledge.evidence.models.review import ReviewStatus
from knowledge.statistics import tiers
from members.models import Member, Tier

Slice = tuple[str, int]  # (scope, year)
Key = tuple[str, int, str]  # (scope, year, indicator)

SCOPE_KINDS = ("global", "chapter", "country", "sector", "tier")
REPORT_SCOPE_KINDS = ("global", "chapter", "country", "tier")

PAYBACK = "payback_years"
RESOURCE_KINDS = ("energy", "materials", "water")
POLLUTION_KINDS = ("waste", "wastewater", "ghg")
DISTRIBUTION_UNITS: dict[str, str] = {
    PAYBACK: "years",
    **{f"{k}_productivity_change_pct": "%" for k in RESOURCE_KINDS},
    **{f"{k}_intensity_change_pct": "%" for k in POLLUTION_KINDS},
}
DISTRIBUTION_INDICATORS = tuple(DISTRIBUTION_UNITS)

_PLACES = Decimal("0.000001")


def q6(value: Any) -> Decimal | None:
    """Six decimal places, as stored (so a recomputed row compares equal to the stored one)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(_PLACES)


@dataclass
class Row:
    """One statistic being computed."""

    unit: str
    source: str
    total: Decimal | None = None
    n_items: int = 0
    n_enterprises: int = 0
    n_members: int = 0
    median: Decimal | None = None
    p25: Decimal | None = None
    p75: Decimal | None = None
    _members: set[int] = field(default_factory=set, repr=False)

    def add(self, total: Any, n_items: int, n_enterprises: int, n_members: int) -> None:
        # Sums of stored six-place decimals (and of counters) are exact: rounded once, in values().
        if total is not None:
            self.total = (self.total or Decimal(0)) + total
        elif self.total is None:
            self.total = Decimal(0)
        self.n_items += n_items
        self.n_enterprises += n_enterprises
        self.n_members += n_members

    def values(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "source": self.source,
            "total": q6(self.total),
            "n_items": self.n_items,
            "n_enterprises": self.n_enterprises,
            "n_members": self.n_members,
            "median": q6(self.median),
            "p25": q6(self.p25),
            "p75": q6(self.p75),
        }


def scope_kind(scope: str) -> str:
    return scope.split(":", 1)[0]


def scope_value(scope: str) -> str:
    return scope.split(":", 1)[1] if ":" in scope else ""


def is_valid_scope(scope: str) -> bool:
    kind = scope_kind(scope)
    if kind == "global":
        return scope == "global"
    return kind in SCOPE_KINDS and bool(scope_value(scope))


# --- which slices an item touches ---------------------------------------------------------


def slices_for_report(report: AnnualReport) -> list[Slice]:
    """The slices ``report`` feeds (:func:`item_slices`)."""
    return sorted(item_slices([(report.member_id, report.year, report.member.country_id)], []))


def slices_for_case(case: Case) -> list[Slice]:
    """The slices ``case`` feeds (:func:`item_slices`)."""
    return sorted(item_slices([], [(case.member_id, case.year, case.country_id, case.sector)]))


def _timelines(member_ids: set[int]) -> tiers.TierTimelines:
    # Beyond a few thousand ids the whole (small) history is cheaper than a long IN list.
    return tiers.TierTimelines.load(member_ids if len(member_ids) <= 2000 else None)


def item_slices(
    reports: Iterable[tuple[int, int, str]], cases: Iterable[tuple[int, int, str, str]]
) -> set[Slice]:
    """Every slice that the given approved items feed: ``reports`` as (member id, year, member
    country), ``cases`` as (member id, year, case country, sector); three queries however many
    items (country chapters, then the members' tier histories)."""
    reports, cases = list(reports), list(cases)
    if not reports and not cases:
        return set()
    chapter_of = country_chapters()
    timelines = _timelines({r[0] for r in reports} | {c[0] for c in cases})
    out: set[Slice] = set()
    for member_id, year, c_code in reports:
        out |= {("global", year), (f"chapter:{chapter_of[c_code]}", year)}
        out |= {(f"country:{c_code}", year), (f"tier:{timelines.at(member_id, year)}", year)}
    for member_id, year, c_code, sector in cases:
        out |= {("global", year), (f"chapter:{chapter_of[c_code]}", year)}
        out |= {(f"country:{c_code}", year), (f"tier:{timelines.at(member_id, year)}", year)}
        out.add((f"sector:{sector[:1]}", year))
    return out


def source_years() -> set[int]:
    """The years that have an approved report or case."""
    years = set(
        AnnualReport.objects.filter(status=ReviewStatus.APPROVED)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    years |= set(
        Case.objects.filter(status=ReviewStatus.APPROVED)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    return years


def slices_of_year(year: int) -> set[Slice]:
    """Every slice of ``year`` that approved sources feed (two grouped scans and the members'
    tier histories), so that a year can be recomputed slice by slice without knowing its slices
    beforehand."""
    reports = AnnualReport.objects.filter(status=ReviewStatus.APPROVED, year=year)
    report_items = [
        (member_id, year, c_code)
        for member_id, c_code in reports.order_by()
        .values_list("member_id", "member__country_id")
        .distinct()
    ]
    cases = Case.objects.filter(status=ReviewStatus.APPROVED, year=year)
    case_items = [
        (member_id, year, c_code, sector)
        for member_id, c_code, sector in cases.order_by()
        .values_list("member_id", "country_id", "sector")
        .distinct()
    ]
    return {("global", year)} | item_slices(report_items, case_items)


def items_changed_since(slice_: Slice, since: Any, *, limit: int) -> list[tuple[str, int]]:
    """The approved reports and cases of ``slice_`` changed after ``since`` (all when None),
    newest first, at most ``limit``: when a slice that computed before fails now, these are
    the items that can have brought the failure in."""
    changed = Q() if since is None else Q(updated_at__gt=since)
    found: list[tuple[Any, str, int]] = []
    for kind, model in (("report", AnnualReport), ("case", Case)):
        items = model.objects.filter(status=ReviewStatus.APPROVED).filter(
            scope_q({slice_}, item=kind)
        )
        for pk, at in (
            items.filter(changed).order_by("-updated_at").values_list("pk", "updated_at")[:limit]
        ):
            found.append((at, kind, pk))
    found.sort(key=lambda item: item[0], reverse=True)
    return [(kind, pk) for _, kind, pk in found[:limit]]


# --- the computation ----------------------------------------------------------------------


def compute(slices: Iterable[Slice] | None = None) -> dict[Key, dict[str, Any]]:
    """The statistics of ``slices`` (every slice when None), recomputed from source:
    ``{(scope, year, indicator): {unit, source, total, n_items, …}}``."""
    wanted = None if slices is None else set(slices)
    rows: dict[Key, Row] = {}

    def keep(scope: str, year: int) -> bool:
        return wanted is None or (scope, year) in wanted

    def report_scopes(c_code: str, ch_slug: str, tier: str) -> tuple[str, ...]:
        return ("global", f"chapter:{ch_slug}", f"country:{c_code}", f"tier:{tier}")

    kinds = {scope_kind(s) for s, _ in wanted} if wanted is not None else set(SCOPE_KINDS)
    if kinds & set(REPORT_SCOPE_KINDS):
        # Rows at the finest grain (year, country, tier) are added into each report scope they
        # belong to; a full rebuild folds ~50,000 of them, so the loop is lean. Chapters and
        # indicator codes are looked up here rather than joined to every source row.
        chapter_of = country_chapters()
        indicators = {
            pk: (code, unit)
            for pk, code, unit in Indicator.objects.values_list("pk", "code", "unit")
        }
        impact_groups, activity_groups = _report_groups(wanted, chapter_of, "tier" in kinds)
        for year, c_code, tier, indicator_id, total, n, ent in impact_groups:
            code, unit = indicators[indicator_id]
            for scope in report_scopes(c_code, chapter_of[c_code], tier):
                if keep(scope, year):
                    key = (scope, year, code)
                    row = rows.get(key)
                    if row is None:
                        row = rows[key] = Row(unit=unit, source="reports")
                    row.add(_decimal(total), n, ent or 0, n)
        for year, c_code, tier, n, ent, *sums in activity_groups:
            for scope in report_scopes(c_code, chapter_of[c_code], tier):
                if keep(scope, year):
                    for name, total in zip(ACTIVITY_FIELDS, sums, strict=True):
                        key = (scope, year, name)
                        row = rows.get(key)
                        if row is None:
                            row = rows[key] = Row(unit="", source="reports")
                        row.add(total, n, ent or 0, n)

    if "sector" in kinds:
        rows.update(_case_sector_totals(wanted))
    rows.update(_case_distributions(wanted))
    return {key: row.values() for key, row in rows.items()}


def country_chapters() -> dict[str, str]:
    """Country code → chapter slug (a country belongs to exactly one chapter)."""
    return dict(Country.objects.values_list("code", "chapter__slug"))


def _decimal(value: Any) -> Decimal | None:
    """A sum read by raw SQL as the ORM would read it: PostgreSQL gives decimals, SQLite floats
    (read with 15 significant digits, as Django's SQLite backend does)."""
    if value is None or isinstance(value, Decimal):
        return value
    return _SQLITE_DECIMAL.create_decimal_from_float(value)


_SQLITE_DECIMAL = DecimalContext(prec=15)


def _source_slices(slices: Iterable[Slice]) -> list[Slice]:
    """The slices whose source rows must be read: a year's global slice reads every row of
    that year, so the year's other slices add nothing to the row filter (a plain
    ``year = …`` also gives the planner an exact estimate, where a long OR would not). So do
    a year's three tier slices together (every item of the year is in one of them: a tier
    change restates them all)."""
    wanted = set(slices)
    whole_years = {year for scope, year in wanted if scope == "global"}
    whole_years |= {
        year for _, year in wanted if all((f"tier:{tier}", year) in wanted for tier in Tier.values)
    }
    parts = {(s, y) for s, y in wanted if y not in whole_years}
    return sorted(parts | {("global", year) for year in whole_years})


# The lookup paths from an item to what its slices are made of: its country (a report's is
# its member's), its member (whose dated tier counts) and its sector (a report has none).
_ITEM_PATHS: dict[str, dict[str, str]] = {
    "report": {"country": "member__country", "member": "member", "sector": ""},
    "case": {"country": "country", "member": "member", "sector": "sector"},
}


def scope_q(slices: Iterable[Slice], *, item: str) -> Q:
    """Which items a statistics cell counts — the one definition, for the ORM (drill-down,
    suspects, sector totals; the aggregate SQL applies the same rule in
    :func:`_sql_scope_filter`): a filter of :class:`AnnualReport` (``item="report"``) or
    :class:`Case` (``"case"``) rows matching the approved sources of ``slices``. A tier is the
    member's dated tier (:func:`~knowledge.statistics.tiers.tier_at_year_end`); a scope the
    item has not (a report's sector) matches nothing."""
    paths = _ITEM_PATHS[item]
    country, member, sector = paths["country"], paths["member"], paths["sector"]
    q = Q(pk__in=[])
    for scope, year in _source_slices(slices):
        kind, value = scope_kind(scope), scope_value(scope)
        if kind == "global":
            part = Q()
        elif kind == "chapter":
            part = Q(**{f"{country}__chapter__slug": value})
        elif kind == "country":
            part = Q(**{f"{country}_id": value})
        elif kind == "tier":
            part = Q(Exact(tiers.tier_at_year_end(member, year), value))
        elif kind == "sector" and sector:
            part = Q(**{f"{sector}__startswith": value})
        else:
            continue
        q |= Q(year=year) & part
    return q


def _sql_scope_filter(
    wanted: set[Slice] | None,
    *,
    year: str,
    country: str,
    tier: str | None,
    chapter_of: dict[str, str],
    sector: str | None = None,
    chapter: str | None = None,
) -> tuple[str, list[Any]]:
    """``AND …`` matching the source rows of ``wanted`` in raw SQL (nothing when None); the
    keywords are the SQL expressions of the row's year, country, dated tier and sector. A
    chapter is matched by its countries (no join to the chapter table) unless ``chapter``
    names its slug column. Scopes a source does not have (a report's sector) match nothing."""
    if wanted is None:
        return "", []
    parts: list[str] = []
    params: list[Any] = []
    for scope, slice_year in _source_slices(wanted):
        kind, value = scope_kind(scope), scope_value(scope)
        if kind == "global":
            parts.append(f"{year} = %s")
            params.append(slice_year)
            continue
        if kind == "chapter" and chapter is None:
            codes = sorted(c for c, slug in chapter_of.items() if slug == value)
            if not codes:
                continue
            parts.append(f"({year} = %s AND {country} IN ({', '.join(['%s'] * len(codes))}))")
            params += [slice_year, *codes]
            continue
        column = {"chapter": chapter, "country": country, "tier": tier, "sector": sector}.get(kind)
        if column is None:
            continue
        parts.append(f"({year} = %s AND {column} = %s)")
        params += [slice_year, value]
    if not parts:
        return "AND 1 = 0", []
    # The explicit year list lets the planner use the (status, year) indexes of the sources.
    years_in = ", ".join(str(int(y)) for y in sorted({y for _, y in wanted}))
    return f"AND {year} IN ({years_in}) AND (" + " OR ".join(parts) + ")", params


# Approved reports at the finest grain they have (year, country, dated tier): impact values
# by indicator and the activity counters, in one statement, so that the reports of the wanted
# slices are read — and their dated tier found — once. On PostgreSQL the reports (each with its
# tier) are materialised first: the tier periods are then joined to a report, not to each of
# its eight impact values.
_REPORTS_SQL = """
WITH {tier_ctes}reports AS {materialized}(
    SELECT r.id, r.year, m.country_id AS cc, {tier} AS tier, r.enterprises_assisted AS ent,
           {activity}
    FROM {report} r
    JOIN {member} m ON m.id = r.member_id
    {tier_join}
    WHERE r.status = %s {where}
)
SELECT rr.year, rr.cc, rr.tier, ri.indicator_id, SUM(ri.stored_value), COUNT(*), SUM(rr.ent),
       {no_sums}
FROM {impact} ri
JOIN reports rr ON rr.id = ri.report_id
GROUP BY rr.year, rr.cc, rr.tier, ri.indicator_id
UNION ALL
SELECT rr.year, rr.cc, rr.tier, NULL, NULL, COUNT(*), SUM(rr.ent), {sums}
FROM reports rr
GROUP BY rr.year, rr.cc, rr.tier
"""


def _periods(wanted: set[Slice] | None) -> str:
    """The tier periods the rows of ``wanted`` need: of the members whose tier changed after
    the earliest wanted year (for the others the current tier is the dated one)."""
    from_year = None if wanted is None else min(year for _, year in wanted)
    return tiers.periods_ctes(from_year=from_year)


def materialized() -> str:
    """``MATERIALIZED`` for a CTE that PostgreSQL must compute once rather than inline."""
    return "MATERIALIZED " if connection.vendor == "postgresql" else ""


def _report_groups(
    wanted: set[Slice] | None, chapter_of: dict[str, str], with_tier: bool
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The approved reports of ``wanted`` (all when None) summed at the finest grain: impact
    rows ``(year, country, tier, indicator id, total, n, enterprises)`` and activity rows
    ``(year, country, tier, n, enterprises, *sums of ACTIVITY_FIELDS)``. With ``with_tier`` the
    tier is the reports' dated tier (one hash join to the members' tier periods), otherwise
    empty (no tier scope is wanted)."""
    tier = tiers.tier_column("m") if with_tier else None
    where, params = _sql_scope_filter(
        wanted, year="r.year", country="m.country_id", tier=tier, chapter_of=chapter_of
    )
    sql = _REPORTS_SQL.format(
        tier_ctes=f"{_periods(wanted)},\n" if with_tier else "",
        materialized=materialized(),
        tier=tier or "''",
        tier_join=tiers.periods_join(member_id="r.member_id", year="r.year") if with_tier else "",
        activity=", ".join(f"r.{name}" for name in ACTIVITY_FIELDS),
        report=AnnualReport._meta.db_table,
        member=Member._meta.db_table,
        impact=ReportImpact._meta.db_table,
        where=where,
        no_sums=", ".join("NULL" for _ in ACTIVITY_FIELDS),
        sums=", ".join(f"SUM(rr.{name})" for name in ACTIVITY_FIELDS),
    )
    impacts, activity = [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, [ReviewStatus.APPROVED.value, *params])
        for year, cc, tier_, indicator_id, total, n, ent, *sums in cursor.fetchall():
            if indicator_id is None:
                activity.append((year, cc, tier_, n, ent, *sums))
            else:
                impacts.append((year, cc, tier_, indicator_id, total, n, ent))
    return impacts, activity


def _case_sector_totals(wanted: set[Slice] | None) -> dict[Key, Row]:
    """Sector scope: impact totals, money and options from approved cases."""
    rows: dict[Key, Row] = {}
    qs = Case.objects.filter(status=ReviewStatus.APPROVED)
    if wanted is not None:
        sector_slices = {s for s in wanted if scope_kind(s[0]) == "sector"}
        if not sector_slices:
            return rows
        qs = qs.filter(year__in=sorted({year for _, year in sector_slices})).filter(
            scope_q(sector_slices, item="case")
        )
    base = qs.annotate(section=Substr("sector", 1, 1)).values(c_year=F("year"), sec=F("section"))
    impacts = (
        CaseImpact.objects.filter(case__in=qs.values("pk"))
        .annotate(section=Substr("case__sector", 1, 1))
        .values(c_year=F("case__year"), sec=F("section"), i_code=F("indicator__code"))
        .annotate(
            total=Sum("value_stored"),
            n=Count("id"),
            ent=Sum("case__enterprises"),
            mem=Count("case__member", distinct=True),
        )
        .order_by()
    )
    units = dict(Indicator.objects.values_list("code", "unit"))
    for r in impacts:
        key = (f"sector:{r['sec']}", r["c_year"], r["i_code"])
        rows.setdefault(key, Row(unit=units.get(r["i_code"], ""), source="cases")).add(
            r["total"], r["n"], r["ent"] or 0, r["mem"]
        )
    money = {
        "investment": ("investment_usd", units.get("investment", "USD")),
        "annual_savings": ("annual_savings_usd", units.get("annual_savings", "USD/yr")),
        "options_identified": ("options_identified", ""),
        "options_implemented": ("options_implemented", ""),
    }
    # One scan for the four: each figure counts the cases that give it (filtered aggregates).
    aggregates: dict[str, Any] = {}
    for code, (column, _unit) in money.items():
        given = Q(**{f"{column}__isnull": False})
        aggregates[f"{code}_total"] = Sum(column, filter=given)
        aggregates[f"{code}_n"] = Count("id", filter=given)
        aggregates[f"{code}_ent"] = Sum("enterprises", filter=given)
        aggregates[f"{code}_mem"] = Count("member", distinct=True, filter=given)
    # The groups' keys are made from the figures' codes: a mapping, not the ORM's typed dict.
    groups = cast("Iterable[Mapping[str, Any]]", base.annotate(**aggregates).order_by())
    for group in groups:
        for code, (_column, unit) in money.items():
            if group[f"{code}_n"]:
                key = (f"sector:{group['sec']}", group["c_year"], code)
                rows.setdefault(key, Row(unit=unit, source="cases")).add(
                    group[f"{code}_total"],
                    group[f"{code}_n"],
                    group[f"{code}_ent"] or 0,
                    group[f"{code}_mem"],
                )
    return rows


# Case-level ratios, one row per (case, metric), in SQL that runs on PostgreSQL and SQLite.
# The ratios are computed in double precision (what the quartiles are computed in anyway):
# exact numeric division of six-place decimals costs more than the rest of a slice's query,
# and on SQLite the cast also keeps whole-number decimals from integer division. The approved
# cases of the wanted slices, each with its dimensions (dated tier included), come first
# (``metric_cases``, a CTE: see _metrics_sql); the two kinds of metric read from it.
_CASES_SQL = """
SELECT c.id, c.member_id, c.year, c.country_id AS cc, ch.slug AS chs, {tier} AS tier,
       SUBSTR(c.sector, 1, 1) AS sec, c.enterprises AS ent, c.investment_usd,
       c.annual_savings_usd, c.output_before, c.output_after
FROM {case} c
JOIN {member} m ON m.id = c.member_id
{tier_join}
JOIN {country} co ON co.code = c.country_id
JOIN {chapter} ch ON ch.id = co.chapter_id
WHERE c.status = 'approved' {where}
"""

_METRICS_SQL = """
SELECT c.id AS case_id, c.member_id, c.year, c.cc, c.chs, c.tier, c.sec, c.ent,
       '{payback}' AS metric,
       CAST(c.investment_usd AS DOUBLE PRECISION)
           / CAST(c.annual_savings_usd AS DOUBLE PRECISION) AS v
FROM metric_cases c
WHERE c.investment_usd > 0 AND c.annual_savings_usd > 0
UNION ALL
SELECT c.id, c.member_id, c.year, c.cc, c.chs, c.tier, c.sec, c.ent,
       f.kind || CASE WHEN f.kind IN ({resource}) THEN '_productivity_change_pct'
                      ELSE '_intensity_change_pct' END,
       CASE WHEN f.kind IN ({resource})
            THEN ((CAST(c.output_after AS DOUBLE PRECISION)
                   * CAST(f.before_stored AS DOUBLE PRECISION))
                  / (CAST(c.output_before AS DOUBLE PRECISION)
                     * CAST(f.after_stored AS DOUBLE PRECISION)) - 1) * 100
            ELSE ((CAST(f.after_stored AS DOUBLE PRECISION)
                   * CAST(c.output_before AS DOUBLE PRECISION))
                  / (CAST(f.before_stored AS DOUBLE PRECISION)
                     * CAST(c.output_after AS DOUBLE PRECISION)) - 1) * 100
       END
{figures}
WHERE c.output_before > 0 AND c.output_after > 0
  AND f.before_stored > 0 AND (f.after_stored > 0 OR f.kind NOT IN ({resource}))
"""

# A full rebuild hash-joins all figures to all cases. A slice needs the figures of a few
# thousand cases: on PostgreSQL they are reached through the case_id index per case (LATERAL;
# ``OFFSET 0`` keeps the planner from flattening it back into a hash join over every figure).
_FIGURES_ALL = "FROM {figure} f\nJOIN metric_cases c ON c.id = f.case_id"
_FIGURES_OF_CASES = (
    "FROM metric_cases c\n"
    "CROSS JOIN LATERAL (SELECT * FROM {figure} f WHERE f.case_id = c.id OFFSET 0) f"
)

# A case-level ratio beyond this (a payback of a trillion years, a productivity change of a
# trillion per cent) is not a measurement but a figure to correct: it is left out of the
# quartiles, which it could not move anyway and whose columns it would overflow.
RATIO_MAX = 10**12

_DIM_COLUMN = {"global": None, "chapter": "chs", "country": "cc", "tier": "tier", "sector": "sec"}


def _metrics_sql(wanted: set[Slice] | None) -> tuple[str, list[Any], str]:
    """The metrics rows of the cases of ``wanted`` (every case when None): the SQL, its
    parameters, and the common table expressions it needs (to follow ``WITH``): the tier
    periods when tier scopes are wanted (a case's dated tier is then one hash join away;
    otherwise its tier is empty) and ``metric_cases``."""
    kinds = {scope_kind(s) for s, _ in wanted} if wanted is not None else set(SCOPE_KINDS)
    tier = tiers.tier_column("m") if "tier" in kinds else None
    where, params = _sql_scope_filter(
        wanted,
        year="c.year",
        country="c.country_id",
        tier=tier,
        sector="SUBSTR(c.sector, 1, 1)",
        chapter="ch.slug",
        chapter_of={},
    )
    cases = _CASES_SQL.format(
        tier=tier or "''",
        tier_join=tiers.periods_join(member_id="c.member_id", year="c.year") if tier else "",
        case=Case._meta.db_table,
        member=Member._meta.db_table,
        country=Country._meta.db_table,
        chapter=Chapter._meta.db_table,
        where=where,
    )
    slice_pg = wanted is not None and connection.vendor == "postgresql"  # SQLite: no LATERAL
    figures = _FIGURES_OF_CASES if slice_pg else _FIGURES_ALL
    sql = _METRICS_SQL.format(
        figures=figures.format(figure=CaseFigure._meta.db_table),
        payback=PAYBACK,
        resource=", ".join(f"'{k}'" for k in RESOURCE_KINDS),
    )
    ctes = f"{_periods(wanted)},\n" if tier else ""
    ctes += f"metric_cases AS {materialized()}({cases})"
    return sql, params, ctes


def _case_distributions(wanted: set[Slice] | None) -> dict[Key, Row]:
    sql, params, ctes = _metrics_sql(wanted)
    kinds = {scope_kind(s) for s, _ in wanted} if wanted is not None else set(SCOPE_KINDS)
    if connection.vendor == "postgresql":
        return _distributions_pg(sql, params, ctes, kinds, wanted)
    return _distributions_python(f"WITH {ctes} {sql}", params, kinds, wanted)


def _distributions_pg(
    sql: str, params: list[Any], ctes: str, kinds: set[str], wanted: set[Slice] | None
) -> dict[Key, Row]:
    rows: dict[Key, Row] = {}
    dims = [k for k in SCOPE_KINDS if k in kinds]
    selects = []
    params = list(params)
    for kind in dims:
        column = _DIM_COLUMN[kind]
        scope = "'global'" if column is None else f"'{kind}:' || {column}"
        group = "" if column is None else f", {column}"
        where = f"WHERE abs(v) <= {RATIO_MAX} "
        if wanted is not None and column is not None:
            # Only the wanted chapters, countries, …: no quartiles computed to be thrown away.
            values = sorted({scope_value(s) for s, _ in wanted if scope_kind(s) == kind})
            where += f"AND {column} IN ({', '.join(['%s'] * len(values))}) "
            params += values
        selects.append(
            f"SELECT {scope} AS scope, year, metric, COUNT(*), SUM(ent), "  # noqa: S608 - fixed identifiers
            "COUNT(DISTINCT member_id), "
            "percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY v) "
            f"FROM metrics {where}GROUP BY year, metric{group}"
        )
    if not selects:
        return rows
    query = f"WITH {ctes}, metrics AS MATERIALIZED ({sql}) " + " UNION ALL ".join(selects)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for scope, year, metric, n, ent, mem, (p25, p50, p75) in cursor.fetchall():
            if wanted is not None and (scope, year) not in wanted:
                continue
            rows[(scope, year, metric)] = Row(
                unit=DISTRIBUTION_UNITS.get(metric, ""),
                source="cases",
                n_items=n,
                n_enterprises=ent or 0,
                n_members=mem,
                median=q6(p50),
                p25=q6(p25),
                p75=q6(p75),
            )
    return rows


def percentile(sorted_values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``."""
    if not sorted_values:
        raise ValueError("no values")
    position = p * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    fraction = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * fraction


def _distributions_python(
    sql: str, params: list[Any], kinds: set[str], wanted: set[Slice] | None
) -> dict[Key, Row]:
    groups: dict[Key, list[tuple[float, int, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for _case_id, member_id, year, cc, chs, tier, sec, ent, metric, v in cursor.fetchall():
            if v is None or not abs(float(v)) <= RATIO_MAX:
                continue
            dims = {"global": "global", "chapter": f"chapter:{chs}", "country": f"country:{cc}"}
            dims.update({"tier": f"tier:{tier}", "sector": f"sector:{sec}"})
            for kind, scope in dims.items():
                if kind in kinds and (wanted is None or (scope, year) in wanted):
                    groups[(scope, year, metric)].append((float(v), ent or 0, member_id))
    rows: dict[Key, Row] = {}
    for key, items in groups.items():
        values = sorted(v for v, _, _ in items)
        rows[key] = Row(
            unit=DISTRIBUTION_UNITS.get(key[2], ""),
            source="cases",
            n_items=len(items),
            n_enterprises=sum(e for _, e, _ in items),
            n_members=len({m for _, _, m in items}),
            median=q6(percentile(values, 0.5)),
            p25=q6(percentile(values, 0.25)),
            p75=q6(percentile(values, 0.75)),
        )
    return rows
