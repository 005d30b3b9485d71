"""The rollup engine: statistics computed from approved source rows, slice by slice.

A *slice* is one (scope, year): ``("global", 2014)``, ``("chapter:africa", 2014)``,
``("country:KE", 2014)``, ``("tier:regular", 2014)``, ``("sector:C", 2014)``. Everything here
is pure computation (reads only); :mod:`knowledge.services.statistics` writes the rows.

- **Network totals** (impact totals and activity counters) come from approved annual reports.
  The database sums them at the finest grain a report has (year × country × tier × indicator,
  one scan); this module then adds those partial sums into the coarser scopes (a country is in
  exactly one chapter, a member in one tier, so sums and counts are additive). A full rebuild is
  therefore one aggregate query per source, whatever the number of scopes.
- **Sector** figures come from approved cases (reports have no sector): impact totals, money
  and options identified/implemented.
- **Distributions** of case-level ratios (payback, % change of resource productivity and of
  pollution intensity) come from approved cases for every scope: median and quartiles with
  PostgreSQL's ``percentile_cont``; the same linear interpolation in Python on SQLite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Count, F, Q, Sum

from knowledge.catalogue.models import Indicator
from knowledge.evidence.models.reports import ACTIVITY_FIELDS, AnnualReport, ReportImpact
from knowledge.evidence.models.review import ReviewStatus

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
    member = report.member
    year = report.year
    return sorted(
        {
            ("global", year),
            (f"chapter:{member.country.chapter.slug}", year),
            (f"country:{member.country_id}", year),
            (f"tier:{member.tier}", year),
        }
    )


def slices_for_case(case: Any) -> list[Slice]:
    year = case.year
    return sorted(
        {
            ("global", year),
            (f"chapter:{case.country.chapter.slug}", year),
            (f"country:{case.country_id}", year),
            (f"tier:{case.member.tier}", year),
            (f"sector:{case.sector[:1]}", year),
        }
    )


def source_years() -> set[int]:
    """The years that have an approved report or case."""
    years = set(
        AnnualReport.objects.filter(status=ReviewStatus.APPROVED)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    case = case_model()
    if case is not None:
        years |= set(
            case.objects.filter(status=ReviewStatus.APPROVED)
            .order_by()
            .values_list("year", flat=True)
            .distinct()
        )
    return years


def slices_of_year(year: int) -> set[Slice]:
    """Every slice of ``year`` that approved sources feed (two grouped scans), so that a year
    can be recomputed slice by slice without knowing its slices beforehand."""
    chapter_of = country_chapters()
    out: set[Slice] = {("global", year)}
    reports = AnnualReport.objects.filter(status=ReviewStatus.APPROVED, year=year)
    for c_code, tier in reports.values_list("member__country_id", "member__tier").distinct():
        out |= {(f"chapter:{chapter_of[c_code]}", year), (f"country:{c_code}", year)}
        out.add((f"tier:{tier}", year))
    case = case_model()
    if case is not None:
        cases = case.objects.filter(status=ReviewStatus.APPROVED, year=year)
        for c_code, tier, sector in cases.values_list(
            "country_id", "member__tier", "sector"
        ).distinct():
            out |= {(f"chapter:{chapter_of[c_code]}", year), (f"country:{c_code}", year)}
            out |= {(f"tier:{tier}", year), (f"sector:{sector[:1]}", year)}
    return out


def items_changed_since(slice_: Slice, since: Any, *, limit: int) -> list[tuple[str, int]]:
    """The approved reports and cases of ``slice_`` changed after ``since`` (all when None),
    newest first, at most ``limit``: when a slice that computed before fails now, these are
    the items that can have brought the failure in."""
    changed = Q() if since is None else Q(updated_at__gt=since)
    found: list[tuple[Any, str, int]] = []
    reports = AnnualReport.objects.filter(status=ReviewStatus.APPROVED).filter(
        _scope_q({slice_}, year="year", country="member__country", tier="member__tier")
    )
    for pk, at in (
        reports.filter(changed).order_by("-updated_at").values_list("pk", "updated_at")[:limit]
    ):
        found.append((at, "report", pk))
    case = case_model()
    if case is not None:
        cases = case.objects.filter(status=ReviewStatus.APPROVED).filter(
            _scope_q({slice_}, year="year", country="country", tier="member__tier", sector="sector")
        )
        for pk, at in (
            cases.filter(changed).order_by("-updated_at").values_list("pk", "updated_at")[:limit]
        ):
            found.append((at, "case", pk))
    found.sort(key=lambda item: item[0], reverse=True)
    return [(kind, pk) for _, kind, pk in found[:limit]]


# --- the computation ----------------------------------------------------------------------


def case_model() -> Any | None:
    """The Case model, once the case library is installed (None before its migration)."""
    try:
        return apps.get_model("knowledge", "Case")
    except LookupError:
        return None


def _wanted(slices: Iterable[Slice] | None) -> tuple[set[int] | None, set[Slice] | None]:
    if slices is None:
        return None, None
    wanted = set(slices)
    return {year for _, year in wanted}, wanted


def compute(slices: Iterable[Slice] | None = None) -> dict[Key, dict[str, Any]]:
    """The statistics of ``slices`` (every slice when None), recomputed from source:
    ``{(scope, year, indicator): {unit, source, total, n_items, …}}``."""
    years, wanted = _wanted(slices)
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
        for year, c_code, tier, indicator_id, total, n, ent in _report_impact_groups(
            years, wanted, chapter_of
        ):
            code, unit = indicators[indicator_id]
            for scope in report_scopes(c_code, chapter_of[c_code], tier):
                if keep(scope, year):
                    key = (scope, year, code)
                    row = rows.get(key)
                    if row is None:
                        row = rows[key] = Row(unit=unit, source="reports")
                    row.add(total, n, ent or 0, n)
        for year, c_code, tier, n, ent, *sums in _report_activity_groups(years, wanted, chapter_of):
            for scope in report_scopes(c_code, chapter_of[c_code], tier):
                if keep(scope, year):
                    for name, total in zip(ACTIVITY_FIELDS, sums, strict=True):
                        key = (scope, year, name)
                        row = rows.get(key)
                        if row is None:
                            row = rows[key] = Row(unit="", source="reports")
                        row.add(total, n, ent or 0, n)

    case = case_model()
    if case is not None:
        if "sector" in kinds:
            for key, row in _case_sector_totals(case, years, wanted).items():
                rows[key] = row
        for key, row in _case_distributions(case, years, wanted).items():
            rows[key] = row
    return {key: row.values() for key, row in rows.items()}


def country_chapters() -> dict[str, str]:
    """Country code → chapter slug (a country belongs to exactly one chapter)."""
    from chapters.models import Country

    return dict(Country.objects.values_list("code", "chapter__slug"))


def _source_slices(slices: Iterable[Slice]) -> list[Slice]:
    """The slices whose source rows must be read: a year's global slice reads every row of
    that year, so the year's other slices add nothing to the row filter (a plain
    ``year = …`` also gives the planner an exact estimate, where a long OR would not)."""
    whole_years = {year for scope, year in slices if scope == "global"}
    return sorted((s, y) for s, y in slices if s == "global" or y not in whole_years)


def _scope_q(
    slices: set[Slice],
    *,
    year: str,
    country: str,
    tier: str,
    sector: str = "",
    chapter_of: dict[str, str] | None = None,
) -> Q:
    """A filter matching the source rows of ``slices``; the keywords are the lookup paths from
    the queried model to the year, the country, the member's tier and the sector. With
    ``chapter_of`` a chapter is matched by its countries (no join to the chapter table)."""
    q = Q(pk__in=[])
    for scope, slice_year in _source_slices(slices):
        kind, value = scope_kind(scope), scope_value(scope)
        if kind == "chapter" and chapter_of is not None:
            codes = sorted(c for c, slug in chapter_of.items() if slug == value)
            chapter = Q(**{f"{country}_id__in": codes})
        else:
            chapter = Q(**{f"{country}__chapter__slug": value})
        part = {
            "global": Q(),
            "chapter": chapter,
            "country": Q(**{f"{country}_id": value}),
            "tier": Q(**{tier: value}),
            "sector": Q(**{f"{sector}__startswith": value}) if sector else None,
        }.get(kind)
        if part is not None:
            q |= Q(**{year: slice_year}) & part
    return q


def _report_impact_groups(
    years: set[int] | None, wanted: set[Slice] | None, chapter_of: dict[str, str]
) -> Any:
    qs = ReportImpact.objects.filter(report__status=ReviewStatus.APPROVED)
    if years is not None:
        assert wanted is not None
        # The explicit year list lets the planner use the (status, year) index of reports.
        qs = qs.filter(report__year__in=sorted(years)).filter(
            _scope_q(
                wanted,
                year="report__year",
                country="report__member__country",
                tier="report__member__tier",
                chapter_of=chapter_of,
            )
        )
    return (
        qs.values_list(
            "report__year", "report__member__country_id", "report__member__tier", "indicator_id"
        )
        .annotate(total=Sum("stored_value"), n=Count("id"), ent=Sum("report__enterprises_assisted"))
        .order_by()
    )


def _report_activity_groups(
    years: set[int] | None, wanted: set[Slice] | None, chapter_of: dict[str, str]
) -> Any:
    qs = AnnualReport.objects.filter(status=ReviewStatus.APPROVED)
    if years is not None:
        assert wanted is not None
        qs = qs.filter(year__in=sorted(years)).filter(
            _scope_q(
                wanted,
                year="year",
                country="member__country",
                tier="member__tier",
                chapter_of=chapter_of,
            )
        )
    sums = {f"sum_{name}": Sum(name) for name in ACTIVITY_FIELDS}
    return (
        qs.values_list("year", "member__country_id", "member__tier")
        .annotate(n=Count("id"), ent=Sum("enterprises_assisted"), **sums)
        .order_by()
    )


def _case_sector_totals(
    case: Any, years: set[int] | None, wanted: set[Slice] | None
) -> dict[Key, Row]:
    """Sector scope: impact totals, money and options from approved cases."""
    from django.db.models.functions import Substr

    rows: dict[Key, Row] = {}
    qs = case.objects.filter(status=ReviewStatus.APPROVED)
    if wanted is not None:
        sector_slices = {s for s in wanted if scope_kind(s[0]) == "sector"}
        if not sector_slices:
            return rows
        qs = qs.filter(year__in=sorted({year for _, year in sector_slices})).filter(
            _scope_q(
                sector_slices, year="year", country="country", tier="member__tier", sector="sector"
            )
        )
    base = qs.annotate(section=Substr("sector", 1, 1)).values(c_year=F("year"), sec=F("section"))
    impact_model = case._meta.get_field("impacts").related_model
    impacts = (
        impact_model.objects.filter(case__in=qs.values("pk"))
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
    for r in base.annotate(**aggregates).order_by():
        for code, (_column, unit) in money.items():
            if r[f"{code}_n"]:
                key = (f"sector:{r['sec']}", r["c_year"], code)
                rows.setdefault(key, Row(unit=unit, source="cases")).add(
                    r[f"{code}_total"], r[f"{code}_n"], r[f"{code}_ent"] or 0, r[f"{code}_mem"]
                )
    return rows


# Case-level ratios, one row per (case, metric), in SQL that runs on PostgreSQL and SQLite.
# The ratios are computed in double precision (what the quartiles are computed in anyway):
# exact numeric division of six-place decimals costs more than the rest of a slice's query,
# and on SQLite the cast also keeps whole-number decimals from integer division.
_METRICS_SQL = """
SELECT c.id AS case_id, c.member_id, c.year, c.country_id AS cc, ch.slug AS chs, m.tier AS tier,
       SUBSTR(c.sector, 1, 1) AS sec, c.enterprises AS ent, '{payback}' AS metric,
       CAST(c.investment_usd AS DOUBLE PRECISION)
           / CAST(c.annual_savings_usd AS DOUBLE PRECISION) AS v
FROM {case} c
JOIN {member} m ON m.id = c.member_id
JOIN {country} co ON co.code = c.country_id
JOIN {chapter} ch ON ch.id = co.chapter_id
WHERE c.status = 'approved' AND c.investment_usd > 0 AND c.annual_savings_usd > 0 {where}
UNION ALL
SELECT c.id, c.member_id, c.year, c.country_id, ch.slug, m.tier, SUBSTR(c.sector, 1, 1),
       c.enterprises,
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
JOIN {member} m ON m.id = c.member_id
JOIN {country} co ON co.code = c.country_id
JOIN {chapter} ch ON ch.id = co.chapter_id
WHERE c.status = 'approved' AND c.output_before > 0 AND c.output_after > 0
  AND f.before_stored > 0 AND (f.after_stored > 0 OR f.kind NOT IN ({resource})) {where}
"""

# A full rebuild hash-joins all figures to all cases. A slice needs the figures of a few
# thousand cases: on PostgreSQL they are reached through the case_id index per case (LATERAL;
# ``OFFSET 0`` keeps the planner from flattening it back into a hash join over every figure).
_FIGURES_ALL = "FROM {figure} f\nJOIN {case} c ON c.id = f.case_id"
_FIGURES_OF_CASES = (
    "FROM {case} c\nCROSS JOIN LATERAL (SELECT * FROM {figure} f WHERE f.case_id = c.id OFFSET 0) f"
)

# A case-level ratio beyond this (a payback of a trillion years, a productivity change of a
# trillion per cent) is not a measurement but a figure to correct: it is left out of the
# quartiles, which it could not move anyway and whose columns it would overflow.
RATIO_MAX = 10**12

_DIM_COLUMN = {"global": None, "chapter": "chs", "country": "cc", "tier": "tier", "sector": "sec"}


def _metrics_sql(case: Any, years: set[int] | None, wanted: set[Slice] | None) -> tuple[str, list]:
    from chapters.models import Chapter, Country
    from members.models import Member

    figure = case._meta.get_field("figures").related_model
    params: list[Any] = []
    where = ""
    if wanted is not None:
        parts = []
        for scope, year in _source_slices(wanted):
            kind, value = scope_kind(scope), scope_value(scope)
            column = {
                "chapter": "ch.slug",
                "country": "c.country_id",
                "tier": "m.tier",
                "sector": "SUBSTR(c.sector, 1, 1)",
            }.get(kind)
            if column is None:
                parts.append("(c.year = %s)")
                params.append(year)
            else:
                parts.append(f"(c.year = %s AND {column} = %s)")
                params += [year, value]
        years_in = ", ".join(str(int(y)) for y in sorted({y for _, y in wanted}))
        where = f"AND c.year IN ({years_in}) AND (" + " OR ".join(parts) + ")"
    slice_pg = wanted is not None and connection.vendor == "postgresql"  # SQLite: no LATERAL
    figures = _FIGURES_OF_CASES if slice_pg else _FIGURES_ALL
    sql = _METRICS_SQL.format(
        figures=figures.format(case=case._meta.db_table, figure=figure._meta.db_table),
        payback=PAYBACK,
        case=case._meta.db_table,
        member=Member._meta.db_table,
        country=Country._meta.db_table,
        chapter=Chapter._meta.db_table,
        figure=figure._meta.db_table,
        resource=", ".join(f"'{k}'" for k in RESOURCE_KINDS),
        where=where,
    )
    return sql, params * 2


def _case_distributions(
    case: Any, years: set[int] | None, wanted: set[Slice] | None
) -> dict[Key, Row]:
    sql, params = _metrics_sql(case, years, wanted)
    kinds = {scope_kind(s) for s, _ in wanted} if wanted is not None else set(SCOPE_KINDS)
    if connection.vendor == "postgresql":
        return _distributions_pg(sql, params, kinds, wanted)
    return _distributions_python(sql, params, kinds, wanted)


def _distributions_pg(
    sql: str, params: list[Any], kinds: set[str], wanted: set[Slice] | None
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
    query = f"WITH metrics AS MATERIALIZED ({sql}) " + " UNION ALL ".join(selects)
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
