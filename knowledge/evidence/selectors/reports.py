"""Reads of annual reports, always scoped by the acting user through the evidence rulebook
(``knowledge.evidence.policies``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from knowledge.catalogue import units
from knowledge.catalogue.selectors import missing_rates_among
from knowledge.evidence import policies, review
from knowledge.evidence.deadlines import report_due
from knowledge.evidence.models.cases import Case
from knowledge.evidence.models.reports import AnnualReport
from knowledge.evidence.models.review import ReviewStatus, Transition
from members.models import Member
from members.selectors import member_get_for_user


def _base() -> QuerySet[AnnualReport]:
    return AnnualReport.objects.select_related("member__country__chapter")


def reports_visible_to(*, actor: Any) -> QuerySet[AnnualReport]:
    """Approved reports for network users (logged-in users of active members, coordinators,
    the secretariat: the public sees only the statistics, with small cells suppressed); all of
    a member's reports for its staff; everything that has left draft for the secretariat, and
    for a coordinator within their chapters."""
    return policies.filter_allowed(_base(), actor, "report", "view")


def report_get_for_user(*, actor: Any, report_id: Any) -> AnnualReport:
    """The report if the actor may see it, else 404 (missing and not yours alike)."""
    return policies.get(_base(), actor, "report", "view", pk=report_id)


def report_get_by_year(*, actor: Any, member_slug: str, year: int) -> AnnualReport:
    return policies.get(_base(), actor, "report", "view", member__slug=member_slug, year=year)


def member_for_report_writing(*, actor: Any, slug: str) -> Member:
    """The member whose annual report the actor writes: its staff only; 403 for who sees the
    member, 404 for who does not."""
    member = member_get_for_user(actor=actor, slug=slug)
    policies.require(actor, "member", "create_report", member)
    return member


def report_rate_warning(*, report: AnnualReport) -> str | None:
    """The warning to give when ``report`` was saved with money figures whose rate is
    missing (its figures are in the report's year)."""
    pairs = [
        (c, report.year)
        for c in report.impacts.exclude(currency="").values_list("currency", flat=True)
    ]
    return units.missing_rates_warning(missing_rates_among(pairs))


def report_with_impacts(*, report: AnnualReport) -> AnnualReport:
    report.impacts_list = list(  # type: ignore[attr-defined]
        report.impacts.select_related("indicator")
    )
    return report


def last_comments(reports: Iterable[AnnualReport]) -> dict[int, Transition]:
    """The latest return/reopen comment of each report (one query)."""
    return review.last_return_comments(reports)


@dataclass
class Workspace:
    member: Member
    due_year: int
    deadline: Any
    due_report: AnnualReport | None
    drafts: list[AnnualReport]
    returned: list[AnnualReport]
    submitted: list[AnnualReport]
    approved: list[AnnualReport]
    comments: dict[int, Transition]


def member_reports_workspace(*, actor: Any, member: Member) -> Workspace:
    """What is due, drafts, returned items with their comments, and what was approved, of the
    reports the actor may see (the caller has checked the actor's access to the workspace with
    ``members.selectors.member_workspace_get``: its staff see all, the secretariat everything
    but the member's drafts)."""
    due_year, deadline = report_due()
    qs = policies.filter_allowed(
        AnnualReport.objects.filter(member=member), actor, "report", "view"
    )
    reports = list(qs.order_by("-year"))
    by_status: dict[str, list[AnnualReport]] = defaultdict(list)
    for r in reports:
        by_status[r.status].append(r)
    returned = by_status[ReviewStatus.RETURNED]
    comments = last_comments(returned)
    for r in returned:
        r.last_comment = comments.get(r.pk)  # type: ignore[attr-defined]
    return Workspace(
        member=member,
        due_year=due_year,
        deadline=deadline,
        due_report=next((r for r in reports if r.year == due_year), None),
        drafts=by_status[ReviewStatus.DRAFT],
        returned=returned,
        submitted=by_status[ReviewStatus.SUBMITTED],
        approved=by_status[ReviewStatus.APPROVED],
        comments=comments,
    )


def report_review_queue(*, actor: Any) -> tuple[list[AnnualReport], dict[str, int]]:
    """Submitted reports the actor reviews (their chapters; the secretariat: all; never their
    own member's), oldest first, with counts by chapter. 403 for users who review nothing."""
    policies.require(actor, "report", "review_queue")
    qs = policies.filter_allowed(
        _base().filter(status=ReviewStatus.SUBMITTED), actor, "report", "review"
    )
    items = list(qs.order_by("submitted_at", "pk"))
    now = timezone.now()
    for item in items:
        item.age_days = (now - (item.submitted_at or now)).days  # type: ignore[attr-defined]
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item.member.country.chapter.name] += 1
    return items, dict(counts)


def can_act(*, actor: Any, report: AnnualReport) -> dict[str, bool]:
    """What the report page offers the actor: edit (its member's staff, while editable) and
    the review actions the rulebook and the report's state allow."""
    from knowledge.evidence.review import allowed_actions

    return {
        "edit": report.is_editable and policies.allows(actor, "report", "edit", report),
        **dict.fromkeys(allowed_actions(item=report, actor=actor), True),
    }


# --- evidence seam (members) --------------------------------------------------------------


def approved_report_years(*, member_ids: list[int]) -> dict[int, set[int]]:
    qs = AnnualReport.objects.filter(member_id__in=member_ids, status=ReviewStatus.APPROVED)
    if connection.vendor == "postgresql":
        # One row per member (its years as an array) rather than one per report: the network's
        # growth asks for every member, and Python-side rows are what cost there.
        from django.contrib.postgres.aggregates import ArrayAgg

        return {
            member_id: set(years)
            for member_id, years in qs.order_by()
            .values("member_id")
            .annotate(years=ArrayAgg("year", distinct=True))
            .values_list("member_id", "years")
        }
    out: dict[int, set[int]] = defaultdict(set)
    for member_id, year in qs.values_list("member_id", "year"):
        out[member_id].add(year)
    return dict(out)


def approved_case_counts(*, member_ids: list[int]) -> dict[int, int]:
    return dict(
        Case.objects.filter(member_id__in=member_ids, status=ReviewStatus.APPROVED)
        .values_list("member_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def oldest_submitted() -> datetime | None:
    return AnnualReport.objects.filter(status=ReviewStatus.SUBMITTED).aggregate(
        t=Min("submitted_at")
    )["t"]
