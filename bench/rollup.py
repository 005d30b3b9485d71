#!/usr/bin/env python
"""Rollup benchmark (PostgreSQL): the project's own rebuild and slice recompute against one
hand-written SQL statement computing the same aggregates over the same rows.

    .venv/bin/python bench/rollup.py            # generate once, then time
    .venv/bin/python bench/rollup.py --regenerate
    .venv/bin/python bench/rollup.py --prepare  # generate and build statistics only (web.sh)

It uses a database of its own (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/recpnet_bench``), created if absent and migrated with the
project's migrations. The generated network: members in 60 countries of the five chapters and
all three tiers, with a dated tier history (each enters as an observer; associates are promoted
once and regulars twice, in years spread over 1996–2021), an approved annual report per member
and year with eight impact values (the impact and money indicators) and the seven activity
counters, and approved cases with impacts, enterprise figures, investment and savings.
Generated with ``INSERT … SELECT generate_series`` (seeded ``random()``), so a run takes
seconds, not hours; rows are inserted year by year, in the order a real network's reports and
cases arrive.

Timed, each the median of ``--repeat`` interleaved runs (so that load from elsewhere on the
machine falls on all of them alike), after one warm-up of the SQL:
- the full rebuild, ``knowledge.statistics.services.statistics_rebuild()`` (the nightly job and
  ``manage.py rebuild_statistics``): into an empty statistics table (every row written) and in
  its steady state (every row recomputed and compared, nothing to change);
- one hand-written SQL statement computing the same rows (checked equal to the stored ones),
  with the same dated tiers (a report or case counts under the tier its member held on 31
  December of its year);
- a slice recompute after a single approval: ``report_approve`` (the real service, its
  recompute task enqueued on commit) and then ``statistics_recompute_slices`` for that report's
  slices — exactly what the worker's task runs;
- the same four slices of a past year (PAST_YEAR), whose dated tiers need the histories of the
  members promoted since;
- a promotion back-dated to TIER_CHANGE_ON: the tier-change service (``member_change_tier``),
  including marking the tier slices its event makes stale, in its transaction; then their
  recompute; a full rebuild must then change
  nothing. Rolled back, so every run starts from the same data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/recpnet_bench"
FIRST_YEAR, LAST_YEAR = 1995, 2025
COUNTRIES_PER_CHAPTER = 12
SLICE_MEMBERS = 5
SLICE_YEAR = LAST_YEAR
PAST_YEAR = 2005
TIER_CHANGE_ON = dt.date(2005, 6, 1)
SECTORS = ["A01", "C10", "C11", "C13", "C17", "C20", "C22", "C24", "C25", "D35", "E38", "F41"]
SECTORS += ["G46", "H49", "I55", "I56", "J62", "Q86", "C23", "B08"]


def ensure_database(url: str) -> bool:
    """Create the benchmark database if it does not exist; True when it was created."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "recpnet.settings.local"
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"  # no query log in memory while timing
    os.environ.pop("REDIS_URL", None)  # no broker: tasks are only enqueued (see main)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- data ---------------------------------------------------------------------------------

GENERATE = [
    "SELECT setseed(0.2015)",
    # 12 countries from each chapter.
    """
    CREATE TEMP TABLE bench_country AS
    SELECT code, (row_number() OVER (ORDER BY chapter_id, code) - 1)::int AS k
    FROM (SELECT code, chapter_id,
                 row_number() OVER (PARTITION BY chapter_id ORDER BY code) AS n
          FROM chapters_country) c
    WHERE n <= %(per_chapter)s
    """,
    """
    INSERT INTO members_member (name, slug, country_id, organisation_type, tier, status,
        joined_on, founding, website, description, themes, sectors, services, contact_email,
        contact_phone, address, created_at, updated_at)
    SELECT 'Bench centre ' || g, 'bench-' || g, bc.code,
           (ARRAY['ncpc', 'ncpp', 'other_provider'])[1 + g %% 3],
           (ARRAY['observer', 'associate', 'regular'])[1 + (g / 3) %% 3],
           'active', DATE '1994-06-01', g %% 10 = 0, '', '', '[]', '[]', '', '', '', '',
           now(), now()
    FROM generate_series(1, %(members)s) g
    JOIN bench_country bc ON bc.k = g %% (SELECT count(*) FROM bench_country)
    """,
    # Dated tier history: every member enters as an observer; associates and regulars are
    # promoted during the period (regulars a second time later), so most members count under
    # two or three tiers over the years and the dated tier decides where each report goes.
    """
    INSERT INTO members_tierchange (member_id, tier, effective_on, reason, recorded_at)
    SELECT id, 'observer', DATE '1994-06-01', 'benchmark', now()
    FROM members_member WHERE slug LIKE 'bench-%%'
    UNION ALL
    SELECT id, 'associate', make_date(1996 + (g * 7) %% 20, 1 + g %% 12, 1 + g %% 28),
           'benchmark', now()
    FROM (SELECT id, tier, substr(slug, 7)::int AS g
          FROM members_member WHERE slug LIKE 'bench-%%') m
    WHERE tier IN ('associate', 'regular')
    UNION ALL
    SELECT id, 'regular', make_date(1997 + (g * 7) %% 20 + g %% 6, 1 + (g * 5) %% 12, 15),
           'benchmark', now()
    FROM (SELECT id, tier, substr(slug, 7)::int AS g
          FROM members_member WHERE slug LIKE 'bench-%%') m
    WHERE tier = 'regular'
    """,
    """
    INSERT INTO members_statuschange (member_id, status, effective_on, reason, recorded_at)
    SELECT id, 'active', DATE '1994-06-01', 'benchmark', now()
    FROM members_member WHERE slug LIKE 'bench-%%'
    """,
    # One approved report per member and year.
    """
    INSERT INTO knowledge_annualreport (member_id, status, version, created_at, updated_at,
        submitted_at, approved_at, year, enterprises_assisted, assessments_completed,
        people_trained, outreach_events, policy_engagements, options_identified,
        options_implemented, notes)
    SELECT member_id, 'approved', 3, now(), now(), now(), now(), y, ent, ent / 2 + 1,
           (random() * 400)::int, (random() * 12)::int, (random() * 4)::int, ident,
           floor(ident * random())::int, ''
    FROM (SELECT m.id AS member_id, y, 1 + (random() * 60)::int AS ent,
                 5 + (random() * 300)::int AS ident
          FROM members_member m CROSS JOIN generate_series(%(first)s, %(last)s) y
          WHERE m.slug LIKE 'bench-%%') s
    ORDER BY y, member_id
    """,
    # Eight impact values per report: the six impacts and the two money indicators.
    """
    INSERT INTO knowledge_reportimpact (report_id, indicator_id, value, unit, currency,
        stored_value)
    SELECT report_id, indicator_id, v,
           CASE WHEN money THEN '' ELSE split_part(unit, '/', 1) END,
           CASE WHEN money THEN 'USD' ELSE '' END, v
    FROM (SELECT r.id AS report_id, i.id AS indicator_id, i.unit,
                 i.category = 'money' AS money,
                 round((random() * 5000)::numeric, 3) AS v
          FROM knowledge_annualreport r
          JOIN members_member m ON m.id = r.member_id AND m.slug LIKE 'bench-%%'
          CROSS JOIN knowledge_indicator i
          WHERE i.category IN ('impact', 'money')) s
    ORDER BY report_id, indicator_id
    """,
    # Approved cases, in the member's country.
    """
    INSERT INTO knowledge_case (member_id, status, version, created_at, updated_at,
        submitted_at, approved_at, public_id, title, enterprise_name, country_id, sector,
        enterprise_size, year, themes, methodology, summary, options_identified,
        options_implemented, investment_amount, investment_currency, investment_usd,
        annual_savings_amount, annual_savings_currency, annual_savings_usd, output_unit,
        output_before, output_after, visibility, licence, enterprises)
    SELECT m.id, 'approved', 3, now(), now(), now(), now(), gen_random_uuid(),
           'Bench case ' || g || ': ' || (ARRAY['boiler retrofit', 'water reuse',
               'solvent recovery', 'heat recovery', 'chemical leasing', 'lighting'])[1 + g %% 6],
           'Bench Enterprise ' || g, m.country_id, sector,
           (ARRAY['micro', 'small', 'medium', 'large'])[1 + g %% 4], y, '[]',
           'cp_assessment', 'Resource efficient and cleaner production options in a '
               || (ARRAY['tea factory', 'brewery', 'textile mill', 'hotel', 'tannery'])[1 + g %% 5],
           ident, floor(ident * random())::int, inv, 'USD', inv, sav, 'USD', sav, 't',
           out_before, out_before * (0.9 + random() * 0.3), 'public', 'CC BY 4.0',
           1 + (random() * 3)::int
    FROM (SELECT g, %(first)s + (g %% (%(last)s - %(first)s + 1)) AS y,
                 1 + (g * 7919) %% %(members)s AS n,
                 (ARRAY[%(sectors)s])[1 + (g * 31) %% %(n_sectors)s] AS sector,
                 2 + (random() * 40)::int AS ident,
                 round((1000 + random() * 200000)::numeric, 2) AS inv,
                 round((500 + random() * 80000)::numeric, 2) AS sav,
                 round((100 + random() * 10000)::numeric, 3) AS out_before
          FROM generate_series(1, %(cases)s) g) s
    JOIN members_member m ON m.slug = 'bench-' || s.n
    ORDER BY y, g
    """,
    """
    INSERT INTO knowledge_caseimpact (case_id, indicator_id, value, unit, value_stored)
    SELECT case_id, indicator_id, v, split_part(unit, '/', 1), v
    FROM (SELECT c.id AS case_id, i.id AS indicator_id, i.unit,
                 round((random() * 900)::numeric, 3) AS v
          FROM knowledge_case c CROSS JOIN knowledge_indicator i
          WHERE c.title LIKE 'Bench case %%'
            AND i.code IN ('energy_saved', 'water_saved', 'ghg_reduced')) s
    ORDER BY case_id, indicator_id
    """,
    """
    INSERT INTO knowledge_casefigure (case_id, kind, unit, before, after, before_stored,
        after_stored)
    SELECT case_id, kind, 'x', b, a, b, a
    FROM (SELECT c.id AS case_id, k.kind, round((1000 + random() * 5000)::numeric, 3) AS b,
                 round((500 + random() * 5000)::numeric, 3) AS a
          FROM knowledge_case c CROSS JOIN (VALUES ('energy'), ('waste')) AS k(kind)
          WHERE c.title LIKE 'Bench case %%') s
    ORDER BY case_id, kind
    """,
    # The full-text vectors the library searches (a trigger-less column, filled like 0005).
    """
    UPDATE knowledge_case SET search_vector =
        setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(summary, '')), 'B')
    WHERE search_vector IS NULL
    """,
]


def generate(*, members: int, cases: int) -> None:
    from django.db import connection, transaction

    sectors = ", ".join(f"'{s}'" for s in SECTORS)
    params: dict[str, Any] = {
        "per_chapter": COUNTRIES_PER_CHAPTER,
        "members": members,
        "cases": cases,
        "first": FIRST_YEAR,
        "last": LAST_YEAR,
        "n_sectors": len(SECTORS),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in GENERATE:
            cursor.execute(sql.replace("%(sectors)s", sectors), params)
    _slice_members()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _slice_members() -> None:
    """Members whose one report waits for approval: each run approves them one by one."""
    from knowledge.models import AnnualReport, Indicator, ReportImpact, ReviewStatus
    from members.models import Member, Tier
    from recpnet.models import User

    User.objects.get_or_create(
        email="bench-secretariat@example.org", defaults={"is_secretariat": True}
    )
    codes = ["KE", "CO", "IN", "DE", "EG"]
    indicators = list(Indicator.objects.filter(category__in=("impact", "money")))
    for n, code in enumerate(codes[:SLICE_MEMBERS], start=1):
        member, _ = Member.objects.get_or_create(
            slug=f"bench-slice-{n}",
            defaults={
                "name": f"Bench slice centre {n}",
                "country_id": code,
                "organisation_type": "ncpc",
                "tier": list(Tier)[n % 3],
            },
        )
        report, created = AnnualReport.objects.get_or_create(
            member=member,
            year=SLICE_YEAR,
            defaults={"status": ReviewStatus.SUBMITTED, "enterprises_assisted": 12},
        )
        if created:
            ReportImpact.objects.bulk_create(
                ReportImpact(
                    report=report,
                    indicator=i,
                    value=Decimal(100 * n),
                    unit="" if i.category == "money" else i.unit.split("/")[0],
                    currency="USD" if i.category == "money" else "",
                    stored_value=Decimal(100 * n),
                )
                for i in indicators
            )


def reset_slice_reports() -> list[Any]:
    """Put the slice members' reports back to "submitted" (a previous run approved them)."""
    from django.contrib.contenttypes.models import ContentType

    from knowledge.models import AnnualReport, ReviewStatus, Transition

    reports = AnnualReport.objects.filter(member__slug__startswith="bench-slice-")
    Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(AnnualReport),
        object_id__in=reports.values("pk"),
    ).delete()
    reports.update(status=ReviewStatus.SUBMITTED, approved_at=None, approved_by=None)
    return list(reports.select_related("member__country__chapter").order_by("member__slug"))


def counts() -> dict[str, int]:
    from django.db import connection

    queries = {
        "members": "SELECT count(*) FROM members_member",
        "approved reports": "SELECT count(*) FROM knowledge_annualreport WHERE status = 'approved'",
        "approved report impact values": (
            "SELECT count(*) FROM knowledge_reportimpact ri JOIN knowledge_annualreport r "
            "ON r.id = ri.report_id WHERE r.status = 'approved'"
        ),
        "approved cases": "SELECT count(*) FROM knowledge_case WHERE status = 'approved'",
        "approved case impact values": (
            "SELECT count(*) FROM knowledge_caseimpact ci JOIN knowledge_case c "
            "ON c.id = ci.case_id WHERE c.status = 'approved'"
        ),
        "case figures": "SELECT count(*) FROM knowledge_casefigure",
    }
    out = {}
    with connection.cursor() as cursor:
        for label, sql in queries.items():
            cursor.execute(sql)
            out[label] = cursor.fetchone()[0]
    return out


# --- the hand-written statement -----------------------------------------------------------

ACTIVITY = [
    "enterprises_assisted",
    "assessments_completed",
    "people_trained",
    "outreach_events",
    "policy_engagements",
    "options_identified",
    "options_implemented",
]

SQL = """
WITH tier_periods AS (
    -- The dated tier: a member's tier on 31 December of year Y is that of its last change
    -- effective by then; before its first change, the first change's tier; with no history,
    -- its current tier (the COALESCE below). One row per member and year of change (the last
    -- change of that year) valid up to the year of the next change, and one for the years
    -- before the first change.
    SELECT member_id, tier, y AS y_from,
           COALESCE(LEAD(y) OVER (PARTITION BY member_id ORDER BY y), 10000) AS y_to
    FROM (SELECT DISTINCT ON (member_id, EXTRACT(YEAR FROM effective_on))
                 member_id, tier, EXTRACT(YEAR FROM effective_on)::int AS y
          FROM members_tierchange
          ORDER BY member_id, EXTRACT(YEAR FROM effective_on), effective_on DESC,
                   recorded_at DESC, id DESC) last_of_year
    UNION ALL
    (SELECT DISTINCT ON (member_id) member_id, tier, 0, EXTRACT(YEAR FROM effective_on)::int
     FROM members_tierchange
     ORDER BY member_id, effective_on, recorded_at, id)
),
reports AS MATERIALIZED (
    -- Approved reports with their member's country and dated tier, found once per report
    -- (not once per impact value).
    SELECT r.id, r.year, m.country_id AS cc, COALESCE(tp.tier, m.tier) AS tier,
           {activity_columns}
    FROM knowledge_annualreport r
    JOIN members_member m ON m.id = r.member_id
    LEFT JOIN tier_periods tp ON tp.member_id = r.member_id
                             AND r.year >= tp.y_from AND r.year < tp.y_to
    WHERE r.status = 'approved'
),
report_grain AS (
    -- Approved report values summed at the finest grain a report has (year, country, tier,
    -- indicator); a country is in one chapter and a member in one tier in a given year, so
    -- these partial sums add up into every report scope below.
    SELECT r.year, r.cc, r.tier, i.code AS indicator, i.unit,
           SUM(ri.stored_value) AS total, COUNT(*) AS n, SUM(r.enterprises_assisted) AS ent
    FROM knowledge_reportimpact ri
    JOIN reports r ON r.id = ri.report_id
    JOIN knowledge_indicator i ON i.id = ri.indicator_id
    GROUP BY r.year, r.cc, r.tier, i.code, i.unit
    UNION ALL
    SELECT g.year, g.cc, g.tier, a.indicator, '', a.total, g.n, g.ent
    FROM (SELECT r.year, r.cc, r.tier, COUNT(*) AS n,
                 SUM(r.enterprises_assisted) AS ent, {activity_sums}
          FROM reports r
          GROUP BY r.year, r.cc, r.tier) g
    CROSS JOIN LATERAL (VALUES {activity_values}) AS a(indicator, total)
),
report_rows AS (
    SELECT CASE WHEN GROUPING(ch.slug) = 0 THEN 'chapter:' || ch.slug
                WHEN GROUPING(g.cc) = 0 THEN 'country:' || g.cc
                WHEN GROUPING(g.tier) = 0 THEN 'tier:' || g.tier
                ELSE 'global' END AS scope,
           g.year, g.indicator, g.unit, 'reports' AS source, SUM(g.total) AS total,
           SUM(g.n)::bigint AS n_items, SUM(g.ent)::bigint AS n_enterprises,
           SUM(g.n)::bigint AS n_members,
           NULL::float8 AS p25, NULL::float8 AS median, NULL::float8 AS p75
    FROM report_grain g
    JOIN chapters_country co ON co.code = g.cc
    JOIN chapters_chapter ch ON ch.id = co.chapter_id
    GROUP BY GROUPING SETS ((g.year, g.indicator, g.unit), (g.year, g.indicator, g.unit, ch.slug),
                            (g.year, g.indicator, g.unit, g.cc),
                            (g.year, g.indicator, g.unit, g.tier))
),
cases AS (
    SELECT c.id, c.member_id, c.year, c.country_id AS cc, ch.slug AS chs,
           COALESCE(tp.tier, m.tier) AS tier,
           SUBSTR(c.sector, 1, 1) AS sec, c.enterprises AS ent, c.investment_usd,
           c.annual_savings_usd, c.options_identified, c.options_implemented,
           c.output_before, c.output_after
    FROM knowledge_case c
    JOIN members_member m ON m.id = c.member_id
    LEFT JOIN tier_periods tp ON tp.member_id = c.member_id
                             AND c.year >= tp.y_from AND c.year < tp.y_to
    JOIN chapters_country co ON co.code = c.country_id
    JOIN chapters_chapter ch ON ch.id = co.chapter_id
    WHERE c.status = 'approved'
),
sector_values AS (
    SELECT cases.year, cases.sec, i.code AS indicator, i.unit, ci.value_stored AS v,
           cases.ent, cases.member_id
    FROM knowledge_caseimpact ci
    JOIN cases ON cases.id = ci.case_id
    JOIN knowledge_indicator i ON i.id = ci.indicator_id
    UNION ALL
    SELECT cases.year, cases.sec, x.indicator, x.unit, x.v, cases.ent, cases.member_id
    FROM cases CROSS JOIN LATERAL (VALUES
        ('investment', (SELECT unit FROM knowledge_indicator WHERE code = 'investment'),
         cases.investment_usd),
        ('annual_savings', (SELECT unit FROM knowledge_indicator WHERE code = 'annual_savings'),
         cases.annual_savings_usd),
        ('options_identified', '', cases.options_identified::numeric),
        ('options_implemented', '', cases.options_implemented::numeric)
    ) AS x(indicator, unit, v)
    WHERE x.v IS NOT NULL
),
sector_rows AS (
    SELECT 'sector:' || sec AS scope, year, indicator, unit, 'cases' AS source, SUM(v),
           COUNT(*), SUM(ent), COUNT(DISTINCT member_id), NULL::float8, NULL::float8,
           NULL::float8
    FROM sector_values
    GROUP BY year, sec, indicator, unit
),
metrics AS (
    SELECT cases.member_id, cases.year, cases.cc, cases.chs, cases.tier, cases.sec, cases.ent,
           'payback_years' AS metric,
           cases.investment_usd::float8 / cases.annual_savings_usd::float8 AS v
    FROM cases
    WHERE cases.investment_usd > 0 AND cases.annual_savings_usd > 0
    UNION ALL
    SELECT cases.member_id, cases.year, cases.cc, cases.chs, cases.tier, cases.sec, cases.ent,
           f.kind || CASE WHEN f.kind IN ('energy', 'materials', 'water')
                          THEN '_productivity_change_pct' ELSE '_intensity_change_pct' END,
           CASE WHEN f.kind IN ('energy', 'materials', 'water')
                THEN ((cases.output_after::float8 * f.before_stored::float8)
                      / (cases.output_before::float8 * f.after_stored::float8) - 1) * 100
                ELSE ((f.after_stored::float8 * cases.output_before::float8)
                      / (f.before_stored::float8 * cases.output_after::float8) - 1) * 100 END
    FROM knowledge_casefigure f
    JOIN cases ON cases.id = f.case_id
    WHERE cases.output_before > 0 AND cases.output_after > 0 AND f.before_stored > 0
      AND (f.after_stored > 0 OR f.kind NOT IN ('energy', 'materials', 'water'))
),
distribution_rows AS (
    SELECT CASE WHEN GROUPING(chs) = 0 THEN 'chapter:' || chs
                WHEN GROUPING(cc) = 0 THEN 'country:' || cc
                WHEN GROUPING(tier) = 0 THEN 'tier:' || tier
                WHEN GROUPING(sec) = 0 THEN 'sector:' || sec
                ELSE 'global' END AS scope,
           year, metric, CASE WHEN metric = 'payback_years' THEN 'years' ELSE '%' END AS unit,
           'cases' AS source, NULL::numeric AS total, COUNT(*) AS n_items,
           SUM(ent) AS n_enterprises, COUNT(DISTINCT member_id) AS n_members,
           percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY v) AS q
    FROM metrics
    GROUP BY GROUPING SETS ((year, metric), (year, metric, chs), (year, metric, cc),
                            (year, metric, tier), (year, metric, sec))
)
SELECT * FROM report_rows
UNION ALL SELECT * FROM sector_rows
UNION ALL SELECT scope, year, metric, unit, source, total, n_items, n_enterprises, n_members,
                 q[1], q[2], q[3]
          FROM distribution_rows
""".format(
    activity_columns=", ".join(f"r.{a}" for a in ACTIVITY),
    activity_sums=", ".join(f"SUM(r.{a}) AS {a}" for a in ACTIVITY),
    activity_values=", ".join(f"('{a}', g.{a})" for a in ACTIVITY),
)


def run_sql() -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SQL)
        return cursor.fetchall()


def check_equal(rows: list[tuple[Any, ...]]) -> int:
    """The statement's rows equal the stored statistics, field by field; returns the count."""
    from knowledge.models import Statistic
    from knowledge.statistics.rollups import q6

    fields: tuple[str, ...] = ("unit", "source", "total", "n_items", "n_enterprises")
    fields += ("n_members", "p25", "median", "p75")
    stored = {
        (s.scope, s.year, s.indicator): tuple(
            q6(v) if isinstance(v, Decimal | float) else v for v in (getattr(s, f) for f in fields)
        )
        for s in Statistic.objects.all()
    }
    computed = {
        (r[0], r[1], r[2]): tuple(q6(v) if isinstance(v, Decimal | float) else v for v in r[3:])
        for r in rows
    }
    if len(computed) != len(rows):
        raise SystemExit(f"the SQL gave duplicate keys: {len(rows)} rows, {len(computed)} keys")
    missing = stored.keys() - computed.keys()
    extra = computed.keys() - stored.keys()
    differ = [k for k in stored.keys() & computed.keys() if stored[k] != computed[k]]
    if missing or extra or differ:
        for k in sorted(differ)[:5]:
            print("  differs", k, stored[k], computed[k])
        raise SystemExit(
            f"SQL and rebuild disagree: {len(missing)} missing, {len(extra)} extra, "
            f"{len(differ)} different (e.g. {sorted(missing)[:3]} {sorted(extra)[:3]})"
        )
    return len(computed)


# --- timing -------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def build_statistics() -> Any:
    from knowledge.statistics.services import statistics_rebuild

    return statistics_rebuild()


def empty_statistics() -> None:
    from knowledge.models import Statistic, StatisticSlice

    Statistic.objects.all().delete()
    StatisticSlice.objects.all().delete()


class _Undo(Exception):
    """Rolls the timed tier change back, so that every run starts from the same data."""


def time_tier_change(actor: Any) -> dict[str, Any]:
    """A member promoted with effect from TIER_CHANGE_ON: the event marks the tier slices of
    every later year stale in the change's transaction; their recompute is what the worker's
    task then runs. Checked by a full rebuild (nothing to change), then rolled back."""
    from django.db import transaction

    from knowledge.models import StatisticSlice
    from knowledge.statistics.services import statistics_recompute_slices
    from members.models import Member
    from members.services import member_change_tier

    member = Member.objects.get(slug="bench-1")  # an observer throughout
    out: dict[str, Any] = {}
    try:
        with transaction.atomic():
            start = time.perf_counter()
            member_change_tier(
                actor=actor,
                member=member,
                tier="associate",
                effective_on=TIER_CHANGE_ON,
                reason="benchmark",
            )
            out["event_ms"] = (time.perf_counter() - start) * 1000
            marked = list(
                StatisticSlice.objects.filter(dirty_since__isnull=False).values_list(
                    "scope", "year"
                )
            )
            out["slices"] = len(marked)
            start = time.perf_counter()
            statistics_recompute_slices(slices=marked)
            out["recompute_ms"] = (time.perf_counter() - start) * 1000
            out["rebuild_changed"] = build_statistics().changed
            raise _Undo
    except _Undo:
        pass
    assert out["rebuild_changed"] == 0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=4200)
    parser.add_argument("--cases", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true", help="drop and regenerate the data")
    parser.add_argument(
        "--prepare", action="store_true", help="generate and build the statistics, no timing"
    )
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

    if args.regenerate:
        import psycopg

        parts = urlsplit(url)
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    created = ensure_database(url)
    print(f"database: {urlsplit(url).path.lstrip('/')}{' (created)' if created else ''}")
    seconds, _ = timed(lambda: setup_django(url))
    print(f"migrations: {seconds:.1f} s")

    import logging

    from django.db import connection

    from members.models import Member

    # A rebuild into an empty table logs every row it created (as a warning: in production that
    # means a missed recompute); here that is the point, so keep the output to the figures.
    logging.getLogger("knowledge.statistics.services").setLevel(logging.ERROR)
    logging.getLogger("kombu").setLevel(logging.ERROR)

    if not Member.objects.filter(slug__startswith="bench-").exists():
        seconds, _ = timed(lambda: generate(members=args.members, cases=args.cases))
        print(f"generated in {seconds:.1f} s")
    reports = reset_slice_reports()
    for label, n in counts().items():
        print(f"  {label}: {n:,}")
    print(f"  PostgreSQL: {connection.cursor().connection.info.server_version}")

    from recpnet.celery import app

    # No broker here: the approval's recompute task is only enqueued (in memory), and this
    # script runs the recompute itself, as the worker would.
    app.conf.task_always_eager = False

    if args.prepare:
        from knowledge.models import Statistic

        build_statistics()  # from scratch, or bringing the reset slice reports back in line
        print(f"statistics rows: {Statistic.objects.count():,}")
        return

    # Interleaved, so that load from elsewhere on the machine falls on all three alike.
    run_sql()  # warm-up of the statement's plan and cache
    empty_runs: list[float] = []
    nightly_runs: list[float] = []
    sql_runs: list[float] = []
    rows: list[tuple[Any, ...]] = []
    for _ in range(args.repeat):
        # The full rebuild from an empty table: every row computed and written.
        empty_statistics()
        seconds, result = timed(build_statistics)
        empty_runs.append(seconds)
        written = result.created
        # Its steady state (the nightly job): every row recomputed and compared, none changed.
        seconds, result = timed(build_statistics)
        assert result.changed == 0, result.changes[:5]
        nightly_runs.append(seconds)
        seconds, rows = timed(run_sql)
        sql_runs.append(seconds)
    n = check_equal(rows)
    first, nightly, sql_time = (statistics.median(r) for r in (empty_runs, nightly_runs, sql_runs))

    def runs(times: list[float]) -> str:
        return f"median of {', '.join(f'{t:.3f}' for t in times)}"

    print(
        f"\nfull rebuild, empty table → {written:,} rows written: {first:.3f} s "
        f"({runs(empty_runs)})"
    )
    print(
        f"full rebuild, nightly (nothing to change, {result.slices:,} slices): {nightly:.3f} s "
        f"({runs(nightly_runs)})"
    )
    print(
        f"hand-written SQL, one statement → {len(rows):,} rows: {sql_time:.3f} s "
        f"({runs(sql_runs)}); equal to the stored rows: {n:,}"
    )

    from knowledge.evidence.services.reports import report_approve
    from knowledge.models import AnnualReport
    from knowledge.statistics import rollups
    from knowledge.statistics.services import statistics_recompute_slices
    from recpnet.models import User

    secretariat = User.objects.get(email="bench-secretariat@example.org")
    slice_times: list[float] = []
    approve_times: list[float] = []
    slices: list[rollups.Slice] = []
    written = 0
    for submitted in reports:
        start = time.perf_counter()
        report = report_approve(report=submitted, actor=secretariat)
        approve_times.append(time.perf_counter() - start)
        slices = rollups.slices_for_report(report)
        start = time.perf_counter()
        written = statistics_recompute_slices(slices=slices)
        slice_times.append(time.perf_counter() - start)
    after = build_statistics()
    assert after.changed == 0, after.changes[:5]  # the slice recomputes left nothing behind

    # The same four slices in a year that many members' later promotions restate (dated tiers
    # read those members' histories), recomputed as the sweep or a restating event would.
    past_slices = rollups.slices_for_report(
        AnnualReport.objects.get(member__slug="bench-1", year=PAST_YEAR)
    )
    past_times = []
    for _ in range(len(reports)):
        start = time.perf_counter()
        statistics_recompute_slices(slices=past_slices)
        past_times.append(time.perf_counter() - start)
    tier_change = time_tier_change(secretariat)

    print(
        f"one approval (report_approve, commit): median "
        f"{statistics.median(approve_times) * 1000:.1f} ms"
    )
    print(
        f"slice recompute after one approval ({len(slices)} slices, {written} rows): median "
        f"{statistics.median(slice_times) * 1000:.1f} ms, max {max(slice_times) * 1000:.1f} ms "
        f"over {len(slice_times)} approvals"
    )
    print(
        f"slice recompute of {PAST_YEAR} ({len(past_slices)} slices): median "
        f"{statistics.median(past_times) * 1000:.1f} ms"
    )
    print(
        f"a promotion back-dated to {TIER_CHANGE_ON}: the tier-change service "
        f"(member_change_tier), including marking the {tier_change['slices']} tier slices, "
        f"{tier_change['event_ms']:.1f} ms; their recompute {tier_change['recompute_ms']:.1f} ms; "
        f"a full rebuild then changes {tier_change['rebuild_changed']} rows"
    )
    print("\nRESULTS")
    print(f"  full rebuild (empty table) ÷ SQL = {first / sql_time:.2f}   (target ≤ 1.5)")
    print(f"  full rebuild (nightly) ÷ SQL     = {nightly / sql_time:.2f}   (target ≤ 1.5)")
    print(
        f"  slice recompute                  = {statistics.median(slice_times) * 1000:.1f} ms"
        f"   (target ≤ 100 ms)"
    )


if __name__ == "__main__":
    main()
