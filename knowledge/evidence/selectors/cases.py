"""Every read of cases, scoped by the acting user.

Who sees which case, who reviews it and who writes for a member is the rulebook's
(``knowledge.evidence.policies``): lists, the library, exports, the review queue and single
cases are all filtered by its table, so a list and a case page never disagree.
"""

from __future__ import annotations

import statistics as pystats
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from chapters.models import Chapter, Country
from knowledge.catalogue import policies as catalogue_policies
from knowledge.catalogue import units
from knowledge.catalogue.models import ExchangeRate, Indicator
from knowledge.catalogue.rate_demand import MissingRate
from knowledge.catalogue.selectors import missing_rates_among
from knowledge.evidence import policies, review
from knowledge.evidence.models.cases import (
    Case,
    CaseAttachment,
    CaseImpact,
    CaseImportJob,
)
from knowledge.evidence.models.reports import AnnualReport, ReportImpact
from knowledge.evidence.models.review import ReviewStatus, Transition
from members.models import Member
from members.selectors import member_get_for_user, member_workspace_get

FACETS = ("chapter", "country", "sector", "enterprise_size", "theme", "methodology", "year")


def _base() -> QuerySet[Case]:
    return Case.objects.select_related("member", "country__chapter", "member__country")


def cases_visible_to(*, actor: Any) -> QuerySet[Case]:
    return policies.filter_allowed(_base(), actor, "case", "view")


def sees_enterprise_names(*, actor: Any) -> bool:
    """Enterprise names never leave the network."""
    return policies.allows(actor, "case", "view_enterprise_names")


def case_get_for_user(*, actor: Any, public_id: Any) -> Case:
    """The case if the actor may see it, else 404 (missing and not yours alike)."""
    return policies.get(_base(), actor, "case", "view", public_id=public_id)


def case_with_details(*, actor: Any, case: Case) -> Case:
    """The case's rows for its page (impacts with indicators, figures) and the attachments the
    actor may download (the rulebook's attachment rule: a visitor never sees a network-only
    file named)."""
    case.impacts_list = list(case.impacts.select_related("indicator"))  # type: ignore[attr-defined]
    case.figures_list = list(case.figures.all())  # type: ignore[attr-defined]
    attachments = CaseAttachment.objects.filter(case=case).select_related("case__member__country")
    case.attachments_list = list(  # type: ignore[attr-defined]
        policies.filter_allowed(attachments, actor, "case_attachment", "view")
    )
    return case


def attachment_get_for_user(*, actor: Any, case: Case, attachment_id: Any) -> CaseAttachment:
    """One attachment of the case, if the actor may download it (public ones with their
    approved public case, the others as the case's rules allow); call after
    ``case_get_for_user``."""
    attachments = CaseAttachment.objects.filter(case=case).select_related("case__member__country")
    return policies.get(attachments, actor, "case_attachment", "view", public_id=attachment_id)


# --- the library ----------------------------------------------------------------------------


def _apply_filters(qs: QuerySet[Case], filters: dict[str, Any]) -> QuerySet[Case]:
    if filters.get("chapter"):
        qs = qs.filter(country__chapter__slug=filters["chapter"])
    if filters.get("country"):
        qs = qs.filter(country_id=str(filters["country"]).upper())
    if filters.get("sector"):
        qs = qs.filter(sector__startswith=str(filters["sector"]).upper())
    if filters.get("enterprise_size"):
        qs = qs.filter(enterprise_size=filters["enterprise_size"])
    if filters.get("theme"):
        # JSON text match on the quoted code works on SQLite and PostgreSQL alike.
        qs = qs.filter(themes__icontains=f'"{filters["theme"]}"')
    if filters.get("methodology"):
        qs = qs.filter(methodology=filters["methodology"])
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("member"):
        qs = qs.filter(member__slug=filters["member"])
    if filters.get("q"):
        qs = cases_search(qs, str(filters["q"]))
    return qs


def cases_search(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """The cases of ``qs`` matching the full-text query ``q`` (PostgreSQL's search vector; on
    SQLite every word in the title or summary); a blank ``q`` leaves ``qs`` as it is."""
    q = q.strip()[:200]
    if not q:
        return qs
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        return qs.filter(search_vector=SearchQuery(q, search_type="websearch", config="english"))
    words = q.split()
    for word in words[:10]:
        qs = qs.filter(Q(title__icontains=word) | Q(summary__icontains=word))
    return qs


def library_visible(*, actor: Any) -> QuerySet[Case]:
    """Approved cases the actor may see: public ones for everyone, network-only ones for the
    network (and their own member's)."""
    return policies.filter_allowed(
        _base().filter(status=ReviewStatus.APPROVED), actor, "case", "view"
    )


def library(
    *, actor: Any, filters: dict[str, Any] | None = None, visible: QuerySet[Case] | None = None
) -> QuerySet[Case]:
    """Approved cases the actor may see, filtered by the facets and full-text ``q``."""
    qs = visible if visible is not None else library_visible(actor=actor)
    return _apply_filters(qs, filters or {}).order_by("-year", "title", "pk")


def cases_for_export(*, actor: Any, filters: dict[str, Any] | None = None) -> QuerySet[Case]:
    """What the actor may see, filtered, with impacts prefetched (one query more)."""
    qs = _apply_filters(cases_visible_to(actor=actor), filters or {})
    return qs.prefetch_related(
        Prefetch("impacts", queryset=CaseImpact.objects.select_related("indicator"))
    ).order_by("-year", "title", "pk")


def facet_options(*, visible: QuerySet[Case]) -> dict[str, Any]:
    """Choices for the library's facets, from the cases the actor may see (``visible``, from
    :func:`library_visible`: a network-only case must not reveal its country to the public)."""
    return {
        "chapters": list(Chapter.objects.order_by("position", "name")),
        "countries": list(Country.objects.filter(code__in=visible.values("country_id"))),
    }


# --- members' own cases ---------------------------------------------------------------------


def member_cases(*, actor: Any, slug: str) -> tuple[Member, QuerySet[Case], str | None]:
    """A member's cases for its workspace (its staff and the secretariat; everyone else 404):
    those the actor may see — its staff all, the secretariat all but drafts. Returns the
    member, the cases and the actor's role (None: secretariat)."""
    member, role = member_workspace_get(actor=actor, slug=slug)
    qs = policies.filter_allowed(_base().filter(member=member), actor, "case", "view")
    return member, qs.order_by("status", "-updated_at"), role


def member_for_case_writing(*, actor: Any, slug: str, action: str = "create_case") -> Member:
    """The member whose cases the actor writes (``action``: ``create_case`` or
    ``import_cases``): its staff only; 403 for who sees the member, 404 for who does not."""
    member = member_get_for_user(actor=actor, slug=slug)
    policies.require(actor, "member", action, member)
    return member


def status_counts(qs: QuerySet[Case]) -> dict[str, int]:
    counts = dict(
        qs.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {s.value: counts.get(s.value, 0) for s in ReviewStatus}


def return_comments(*, cases: Iterable[Case]) -> dict[int, Transition]:
    """The latest return/reopen comment of each returned case (one query)."""
    return review.last_return_comments(c for c in cases if c.status == ReviewStatus.RETURNED)


def import_job_get(*, actor: Any, public_id: Any) -> CaseImportJob:
    """An import's progress: the member's staff only; others 404."""
    jobs = CaseImportJob.objects.select_related("member").defer("content")
    return policies.get(jobs, actor, "case_import_job", "view", public_id=public_id)


# --- the review queue -----------------------------------------------------------------------


def review_queue(*, actor: Any, status: str = ReviewStatus.SUBMITTED) -> QuerySet[Case]:
    """The cases the actor reviews: past draft, in the chapters they coordinate (the
    secretariat: all), never their own member's (conflict of interest). Anyone who reviews
    nothing: 403."""
    policies.require(actor, "case", "review_queue")
    qs = policies.filter_allowed(_base(), actor, "case", "review")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "pk")


def review_counts(*, actor: Any) -> dict[str, int]:
    return status_counts(review_queue(actor=actor, status=""))


# --- reviewer flags -------------------------------------------------------------------------

ONE_WEEK_YEARS = Decimal(7) / Decimal(365)


@dataclass(frozen=True)
class Distribution:
    p25: float
    p75: float
    n: int

    @property
    def upper_fence(self) -> float:
        return self.p75 + 3 * (self.p75 - self.p25)


def _distribution(values: list[float]) -> Distribution | None:
    if len(values) < 4:
        return None
    q = pystats.quantiles(values, n=4, method="inclusive")
    return Distribution(q[0], q[2], len(values))


def _metrics(case: Case, per_enterprise: dict[str, Decimal]) -> dict[str, float]:
    out: dict[str, float] = {}
    if case.payback_years is not None:
        out["payback"] = float(case.payback_years)
    for code, value in per_enterprise.items():
        out[code] = float(value)
    return out


FLAG_METRICS = {
    "payback": _("payback"),
    "energy_saved": _("energy saved per enterprise"),
    "water_saved": _("water saved per enterprise"),
}


def case_flags(*, cases: list[Case]) -> dict[int, list[str]]:
    """Reviewer flags (shown, never blocking): payback under one week, and outliers beyond
    p75 + 3×IQR of the sector section's approved cases. Two queries for any number of cases."""
    if not cases:
        return {}
    sections = {c.sector_section for c in cases}
    approved = list(
        Case.objects.filter(status=ReviewStatus.APPROVED)
        .filter(Q(*[Q(sector__startswith=s) for s in sections], _connector=Q.OR))
        .values("pk", "sector", "investment_usd", "annual_savings_usd", "enterprises")
    )
    ids = [c.pk for c in cases] + [a["pk"] for a in approved]
    per_enterprise: dict[int, dict[str, Decimal]] = defaultdict(dict)
    enterprises = {c.pk: c.enterprises for c in cases} | {
        a["pk"]: a["enterprises"] for a in approved
    }
    for case_id, code, stored in CaseImpact.objects.filter(
        case_id__in=ids, indicator__code__in=("energy_saved", "water_saved")
    ).values_list("case_id", "indicator__code", "value_stored"):
        per_enterprise[case_id][code] = stored / max(enterprises.get(case_id) or 1, 1)
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    for a in approved:
        probe = Case(investment_usd=a["investment_usd"], annual_savings_usd=a["annual_savings_usd"])
        for metric, sample in _metrics(probe, per_enterprise[a["pk"]]).items():
            samples[(a["sector"][:1], metric)].append(sample)
    flags: dict[int, list[str]] = {}
    for case in cases:
        found: list[str] = []
        payback = case.payback_years
        if payback is not None and payback < ONE_WEEK_YEARS:
            found.append(_("Payback under one week"))
        for metric, measured in _metrics(case, per_enterprise[case.pk]).items():
            dist = _distribution(samples[(case.sector_section, metric)])
            if dist is not None and measured > dist.upper_fence:
                found.append(
                    _("Outlier: %(metric)s above the sector's p75 + 3×IQR (%(n)s approved cases)")
                    % {"metric": FLAG_METRICS[metric], "n": dist.n}
                )
        flags[case.pk] = found
    return flags


def age_days(case: Case) -> int:
    since = case.submitted_at or case.updated_at
    return (timezone.now() - since).days if since else 0


# --- rates items wait for, and the history (secretariat) -----------------------------------


def case_rate_warning(*, case: Case) -> str | None:
    """The warning to give when ``case`` was saved with amounts whose rate is missing."""
    pairs = [
        (getattr(case, f"{prefix}_currency") or "", case.year)
        for prefix in ("investment", "annual_savings")
        if getattr(case, f"{prefix}_amount") is not None
    ]
    return units.missing_rates_warning(missing_rates_among(pairs))


def missing_exchange_rates(*, actor: Any) -> dict[str, list[MissingRate]]:
    """The rates the secretariat has yet to add, for ``"submitted"`` items (in review) and,
    separately, ``"draft"`` ones (drafts and returned items, which their members are still
    editing); counts only, so no draft's content is shown. Most waiting first."""
    catalogue_policies.authorize(actor, "exchange_rate", "view_waiting")
    groups: dict[str, str] = {
        ReviewStatus.SUBMITTED: "submitted",
        ReviewStatus.DRAFT: "draft",
        ReviewStatus.RETURNED: "draft",
    }
    waiting: dict[tuple[str, str, int], tuple[set[int], set[int]]] = defaultdict(
        lambda: (set(), set())
    )
    no_rate = ~Exists(
        ExchangeRate.objects.filter(currency=OuterRef("currency"), year=OuterRef("rate_year"))
    )
    for prefix in ("investment", "annual_savings"):
        rows = (
            Case.objects.filter(status__in=list(groups), **{f"{prefix}_amount__isnull": False})
            .exclude(**{f"{prefix}_currency__in": ("", "USD")})
            .annotate(currency=F(f"{prefix}_currency"), rate_year=F("year"))
            .filter(no_rate)
            .values_list("pk", "currency", "year", "status")
        )
        for pk, currency, year, status in rows:
            waiting[(groups[status], currency, year)][0].add(pk)
    report_rows = (
        ReportImpact.objects.filter(report__status__in=list(groups))
        .exclude(currency__in=("", "USD"))
        .annotate(rate_year=F("report__year"))
        .filter(no_rate)
        .values_list("report_id", "currency", "report__year", "report__status")
    )
    for pk, currency, year, status in report_rows:
        waiting[(groups[status], currency, year)][1].add(pk)
    result: dict[str, list[MissingRate]] = {"submitted": [], "draft": []}
    for (group, currency, year), (cases, reports) in waiting.items():
        result[group].append(MissingRate(currency, year, len(cases), len(reports)))
    for rates in result.values():
        rates.sort(key=lambda r: (-r.items, r.currency, -r.year))
    return result


@dataclass(frozen=True)
class Change:
    at: Any
    who: Any
    kind: str
    what: str
    action: str
    changes: list[str]
    link: str


def _case_status_at_change() -> Subquery:
    """The status of a history row's case at the time of that row: the case's latest
    historical record made at or before it."""
    return Subquery(
        Case.history.filter(id=OuterRef("case_id"), history_date__lte=OuterRef("history_date"))
        .order_by("-history_date", "-history_id")
        .values("status")[:1]
    )


def change_history(*, actor: Any, limit: int = 200) -> list[Change]:
    """Who changed what and when in cases, impacts, annual reports, indicators and exchange
    rates (secretariat only). Constant in queries: one per history table."""
    policies.authorize(actor, "case", "view_change_history")
    from django.urls import reverse

    actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    sources: list[tuple[str, Any, Any]] = [
        (
            str(_("Case")),
            # Another tenant's drafts are the member's own business, even for the secretariat.
            Case.history.exclude(status=ReviewStatus.DRAFT)
            .select_related("history_user")
            .order_by("-history_date")[:limit],
            lambda h: (h.title, reverse("knowledge:case-detail", args=[h.public_id])),
        ),
        (
            str(_("Case impact")),
            # A figure typed into a draft (and perhaps deleted before submitting) stays the
            # member's: the case's status *when the change was made* decides, not its status now.
            CaseImpact.history.annotate(case_status_then=_case_status_at_change())
            .exclude(case_status_then=ReviewStatus.DRAFT)
            .exclude(case_status_then__isnull=True)
            .select_related("history_user")
            .order_by("-history_date")[:limit],
            lambda h: (f"{h.indicator_id} {h.value} {h.unit} (case #{h.case_id})", ""),
        ),
        (
            str(_("Annual report")),
            # Same rule as cases: a draft report is private to its member.
            AnnualReport.history.exclude(status=ReviewStatus.DRAFT)
            .select_related("history_user", "member")
            .order_by("-history_date")[:limit],
            lambda h: (
                f"{h.member.name} — {h.year}",
                reverse("knowledge:report-detail", args=[h.member.slug, h.year]),
            ),
        ),
        (
            str(_("Indicator")),
            Indicator.history.select_related("history_user").order_by("-history_date")[:limit],
            lambda h: (f"{h.code}", ""),
        ),
        (
            str(_("Exchange rate")),
            ExchangeRate.history.select_related("history_user").order_by("-history_date")[:limit],
            lambda h: (f"{h.currency} {h.year}: {h.usd_per_unit}", ""),
        ),
    ]
    found = [(r, kind, describe) for kind, records, describe in sources for r in records]
    found.sort(key=lambda item: item[0].history_date, reverse=True)
    entries: list[Change] = []
    for record, kind, describe in found[:limit]:
        what, link = describe(record)
        diff: list[str] = []
        previous = record.prev_record if record.history_type == "~" else None
        if previous is not None:
            delta = record.diff_against(previous)
            diff = [f"{c.field}: {c.old} → {c.new}" for c in delta.changes][:8]
        entries.append(
            Change(
                record.history_date,
                record.history_user,
                kind,
                what,
                str(actions.get(record.history_type, record.history_type)),
                diff,
                link,
            )
        )
    return entries


__all__ = [
    "FACETS",
    "Member",
    "age_days",
    "case_flags",
    "case_get_for_user",
    "cases_visible_to",
    "change_history",
    "library",
    "review_queue",
]
