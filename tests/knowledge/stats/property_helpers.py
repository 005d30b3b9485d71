"""The world of the statistics property test (``test_properties.py``) and the checks it makes.

The world is built through the services, as the secretariat would: three members joined in
2005 as observers (so each has a dated tier history from its first day), one staff user each, a
coordinator for every chapter, a second Africa coordinator who is also staff of the Kenyan
member (so conflict of interest decides who reviews), and the secretariat. Everything the checks
expect is computed here from the source rows and the dated histories, never from the statistics.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chapters.models import Chapter, Coordinator, Country
from knowledge.catalogue import units
from knowledge.models import (
    AnnualReport,
    Case,
    ExchangeRate,
    ReportImpact,
    ReviewStatus,
    Statistic,
    StatisticSlice,
    Transition,
)
from knowledge.statistics import rollups
from members import services as member_services
from members.models import Member, Membership, OrganisationType, Role, StatusChange, TierChange
from recpnet.models import User
from tests import factories

RATE_SOURCE = "Property test: a made-up rate"
# The members: (name, slug, country, joined). Kenya's staff includes the second Africa
# coordinator. Colombia and Egypt joined during the years reported on, so some figures are of
# years before their first tier change.
MEMBERS = (
    ("Member Kenya", "m-ke", "KE", dt.date(2005, 1, 1)),
    ("Member Colombia", "m-co", "CO", dt.date(2013, 7, 1)),
    ("Member Egypt", "m-eg", "EG", dt.date(2014, 12, 31)),
)
CHAPTER_SLUGS = (
    "africa",
    "arab-states",
    "asia-pacific",
    "europe-central-asia",
    "latin-america-caribbean",
)


@dataclass
class World:
    """The people and members one example acts with (ids, re-read on use)."""

    secretariat: User
    members: list[int]
    staff: dict[int, User]
    coordinators: dict[str, list[User]]
    names: dict[int, str] = field(default_factory=dict)  # user or member id → a short name
    users: list[int] = field(default_factory=list)
    chapters: dict[str, int] = field(default_factory=dict)  # country code → chapter id, at start

    def member(self, index: int) -> Member:
        return Member.objects.select_related("country__chapter").get(pk=self.members[index])

    def reviewers(self, member: Member) -> list[User]:
        """Who may approve or return ``member``'s items now: its chapter's coordinators who are
        not its staff, then the secretariat (who may stand in for any chapter)."""
        staff_of = set(Membership.objects.filter(member=member).values_list("user_id", flat=True))
        chapter = member.country.chapter.slug
        coordinators = [u for u in self.coordinators[chapter] if u.pk not in staff_of]
        return [*coordinators, self.secretariat]


def build_world(*, countries: tuple[str, ...]) -> World:
    secretariat = factories.UserFactory(is_secretariat=True, name="Secretariat")
    members, staff, names = [], {}, {secretariat.pk: "the secretariat"}
    for name, slug, country, joined in MEMBERS:
        member = member_services.member_create(
            actor=secretariat,
            name=name,
            slug=slug,
            country=country,
            organisation_type=OrganisationType.NCPC,
            joined_on=joined,
        )
        user = factories.MembershipFactory(member=member, role=Role.STAFF).user
        members.append(member.pk)
        staff[member.pk] = user
        names[member.pk] = slug
        names[user.pk] = f"staff of {slug}"
    coordinators: dict[str, list[User]] = {}
    for slug in CHAPTER_SLUGS:
        user = factories.CoordinatorFactory(chapter=factories.chapter(slug)).user
        coordinators[slug] = [user]
        names[user.pk] = f"coordinator of {slug}"
    # A coordinator of Africa who is also staff of the Kenyan member: never its reviewer.
    conflicted = factories.CoordinatorFactory(chapter=factories.chapter("africa")).user
    kenya = Member.objects.get(pk=members[0])
    factories.MembershipFactory(user=conflicted, member=kenya, role=Role.STAFF)
    coordinators["africa"].append(conflicted)
    names[conflicted.pk] = "coordinator of africa (staff of m-ke)"
    users = [secretariat.pk, *(u.pk for u in staff.values())]
    users += [u.pk for group in coordinators.values() for u in group]
    return World(
        secretariat=secretariat,
        members=members,
        staff=staff,
        coordinators=coordinators,
        names=names,
        users=users,
        chapters=dict(Country.objects.filter(code__in=countries).values_list("code", "chapter_id")),
    )


def erase_world(world: World) -> None:
    """Delete what an example committed (the committed machine on PostgreSQL), so the next
    example starts from the same database: the statistics, the items and their history rows
    that hold users, the members, the people, the rates; countries go back to their chapters."""
    Statistic.objects.all().delete()
    StatisticSlice.objects.all().delete()
    Transition.objects.all().delete()
    AnnualReport.objects.all().delete()
    Case.objects.all().delete()
    ExchangeRate.objects.all().delete()
    TierChange.objects.filter(member_id__in=world.members).delete()
    StatusChange.objects.filter(member_id__in=world.members).delete()
    Member.objects.filter(pk__in=world.members).delete()
    Coordinator.objects.filter(user_id__in=world.users).delete()
    User.objects.filter(pk__in=world.users).delete()
    for code, chapter_id in world.chapters.items():
        Country.objects.filter(code=code).update(chapter_id=chapter_id)


def chapter(slug: str) -> Chapter:
    return Chapter.objects.get(slug=slug)


# --- what the statistics hold ---------------------------------------------------------------


def stats_rows() -> list[tuple[Any, ...]]:
    """Every stored statistic, as comparable tuples (no computation times)."""
    return list(
        Statistic.objects.order_by("scope", "year", "indicator").values_list(
            "scope",
            "year",
            "indicator",
            "unit",
            "source",
            "total",
            "n_items",
            "n_enterprises",
            "n_members",
            "median",
            "p25",
            "p75",
        )
    )


def rows_diff(before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]) -> list[str]:
    """The rows that differ, keyed by (scope, year, indicator), for a failure message."""
    old = {row[:3]: row[3:] for row in before}
    new = {row[:3]: row[3:] for row in after}
    out = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            out.append(f"{key}: {old.get(key)} -> {new.get(key)}")
    return out


def every_slice() -> list[rollups.Slice]:
    """Every slice there is: with a bookkeeping row, with stored rows, or fed by a source."""
    known = set(StatisticSlice.objects.values_list("scope", "year"))
    known |= set(Statistic.objects.order_by().values_list("scope", "year").distinct())
    for year in rollups.source_years():
        known |= rollups.slices_of_year(year)
    return sorted(known)


def unsettled_slices() -> list[str]:
    """Slices still stale (or failing) although every transaction has committed."""
    return [
        f"{s.scope} {s.year}: dirty since {s.dirty_since}, failed {s.failed_since} {s.error}"
        for s in StatisticSlice.objects.filter(dirty_since__isnull=False)
        | StatisticSlice.objects.filter(failed_since__isnull=False)
    ]


# --- what the source says -------------------------------------------------------------------


def tier_on(member_id: int, day: dt.date) -> str:
    """The member's tier on ``day``, from its dated history: its latest change effective on or
    before ``day`` (a later record of the same date wins, as in ``members.services``). Before
    its first change a member had no tier; its figures of those years count under its *entry
    tier*, the first change's (the rule of ``knowledge.statistics.tiers``; every member here
    has a history)."""
    changes = TierChange.objects.filter(member_id=member_id)
    change = (
        changes.filter(effective_on__lte=day)
        .order_by("-effective_on", "-recorded_at", "-pk")
        .first()
        or changes.order_by("effective_on", "recorded_at", "pk").first()
    )
    assert change is not None, "every member of the world has a tier history"
    return change.tier


def _has_payback(case: Case) -> bool:
    """Whether the case has a payback (the distributions' ``payback_years``)."""
    investment, savings = case.investment_usd, case.annual_savings_usd
    return investment is not None and savings is not None and investment > 0 and savings > 0


def expected_item_counts() -> dict[tuple[str, int, str], int]:
    """How many approved items each dimension row must count, from the source and the dated
    histories: an annual report of year Y (indicator ``enterprises_assisted``, which every
    report gives) counts under its member's country and that country's chapter now, and under
    the tier the member held on 31 December of Y; a case with a payback (``payback_years``)
    under its own country, that country's chapter now, its sector, and its member's tier on
    31 December of its year."""
    chapter_of = dict(Country.objects.values_list("code", "chapter__slug"))
    out: Counter[tuple[str, int, str]] = Counter()
    for report in AnnualReport.objects.filter(status=ReviewStatus.APPROVED).select_related(
        "member"
    ):
        year, code = report.year, report.member.country_id
        tier = tier_on(report.member_id, dt.date(year, 12, 31))
        for scope in ("global", f"chapter:{chapter_of[code]}", f"country:{code}", f"tier:{tier}"):
            out[(scope, year, "enterprises_assisted")] += 1
    for case in Case.objects.filter(status=ReviewStatus.APPROVED):
        if not _has_payback(case):
            continue
        year, code = case.year, case.country_id
        tier = tier_on(case.member_id, dt.date(year, 12, 31))
        scopes = ("global", f"chapter:{chapter_of[code]}", f"country:{code}", f"tier:{tier}")
        for scope in (*scopes, f"sector:{case.sector[:1]}"):
            out[(scope, year, rollups.PAYBACK)] += 1
    return dict(out)


def stored_item_counts() -> dict[tuple[str, int, str], int]:
    return {
        (scope, year, indicator): n
        for scope, year, indicator, n in Statistic.objects.filter(
            indicator__in=("enterprises_assisted", rollups.PAYBACK)
        ).values_list("scope", "year", "indicator", "n_items")
    }


def expected_money() -> dict[tuple[str, int, str], Decimal | None]:
    """Money totals at the current rates: the network's (``global``) from approved reports,
    the sectors' from approved cases, each amount converted with the catalogue's rate of its
    year (the one place conversions happen)."""
    out: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)
    impacts = ReportImpact.objects.filter(
        report__status=ReviewStatus.APPROVED, indicator__code__in=("investment", "annual_savings")
    ).select_related("report", "indicator")
    for impact in impacts:
        year = impact.report.year
        usd = units.to_usd(amount=impact.value, currency=impact.currency or "USD", year=year)
        out[("global", year, impact.indicator.code)] += usd
    for case in Case.objects.filter(status=ReviewStatus.APPROVED):
        for prefix in ("investment", "annual_savings"):
            amount = getattr(case, f"{prefix}_amount")
            if amount is not None:
                currency = getattr(case, f"{prefix}_currency")
                usd = units.to_usd(amount=amount, currency=currency, year=case.year)
                out[(f"sector:{case.sector[:1]}", case.year, prefix)] += usd
    return {key: rollups.q6(value) for key, value in out.items()}


def stored_money() -> dict[tuple[str, int, str], Decimal | None]:
    rows = Statistic.objects.filter(indicator__in=("investment", "annual_savings")).filter(
        scope__regex=r"^(global|sector:.*)$"
    )
    return {
        (scope, year, indicator): rollups.q6(total)
        for scope, year, indicator, total in rows.values_list("scope", "year", "indicator", "total")
    }


def dict_diff(expected: dict[Any, Any], stored: dict[Any, Any]) -> list[str]:
    return [
        f"{key}: expected {expected.get(key)}, stored {stored.get(key)}"
        for key in sorted(set(expected) | set(stored))
        if expected.get(key) != stored.get(key)
    ]
