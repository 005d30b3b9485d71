"""Demo annual reports, derived from the seed's approved demo cases.

The seed gives no member-year totals that can be attributed honestly (see demo_data.REPORTS),
so each member with approved demo cases in a year gets a report whose totals equal the sum of
those cases (the least a report may give) and whose activity counters count them. Reports are
written and submitted by the member's staff (a reporting account is added to members that have
no demo account) and approved by their chapter's coordinator, through the services and the
shared workflow; then the statistics are rebuilt. Idempotent: an existing report is left as it
is, and a second run changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from chapters.models import Coordinator
from knowledge.catalogue.units import STORED_SYMBOL
from knowledge.evidence.services import reports as services
from knowledge.models import AnnualReport, Case, Indicator, ReviewStatus
from knowledge.statistics.services import statistics_rebuild
from members.demo import DEMO_DOMAIN
from members.models import Member, Membership, Role
from recpnet.models import User


def _reporting_staff(member: Member) -> Any:
    """A staff account of ``member``: its first one, or a reporting account made for the demo
    (no usable password: nobody logs in with it)."""
    membership = (
        Membership.objects.filter(member=member).select_related("user").order_by("pk").first()
    )
    if membership is not None:
        return membership.user
    email = f"reports@{member.slug}.{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=None, name=f"{member.name} (reporting)"
        )
    Membership.objects.get_or_create(user=user, member=member, defaults={"role": Role.STAFF})
    return user


def _reviewer(member: Member) -> Any:
    """The member's chapter coordinator, or the secretariat standing in for the chapter."""
    coordinator = (
        Coordinator.objects.filter(chapter_id=member.country.chapter_id)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if coordinator is not None:
        return coordinator.user
    return User.objects.filter(is_secretariat=True).order_by("pk").first()


def load_reports_demo(*, stdout: Any = None) -> int:
    groups = (
        Case.objects.filter(status=ReviewStatus.APPROVED)
        .values("member_id", "year")
        .annotate(n=Count("id"))
        .order_by("member_id", "year")
    )
    created = 0
    for g in groups:
        if AnnualReport.objects.filter(member_id=g["member_id"], year=g["year"]).exists():
            continue
        member = Member.objects.select_related("country").get(pk=g["member_id"])
        staff = _reporting_staff(member)
        approver = _reviewer(member)
        if approver is None:
            continue
        sums = services.approved_case_sums(member_id=g["member_id"], year=g["year"])
        activity = {
            "enterprises_assisted": int(sums.pop("enterprises_assisted", 0)),
            "assessments_completed": g["n"],
            "options_identified": int(sums.pop("options_identified", 0)),
            "options_implemented": int(sums.pop("options_implemented", 0)),
        }
        if activity["options_implemented"] > activity["options_identified"]:
            activity["options_identified"] = activity["options_implemented"]
        impacts = []
        for code, total in sums.items():
            unit = "USD" if code in ("investment", "annual_savings") else None
            impacts.append({"indicator": code, "value": total, "unit": unit})
        impacts = [_with_unit(i) for i in impacts]
        report = services.report_create(
            member=member,
            year=g["year"],
            actor=staff,
            activity=activity,
            impacts=impacts,
        )
        report = services.report_submit(report=report, actor=staff)
        services.report_approve(report=report, actor=approver, comment="Demo data")
        created += 1
    # The demo loads in one transaction, so the approvals' recomputes have not run yet: the
    # rebuild is expected to fill the statistics.
    result = statistics_rebuild(expect_changes=True)
    if stdout is not None:
        stdout.write(f"Annual reports: {created} created; statistics: {result.slices} slices.")
    return created


def _with_unit(item: dict[str, Any]) -> dict[str, Any]:
    if item["unit"]:
        return item
    stored = Indicator.objects.get(code=item["indicator"]).unit
    return {**item, "unit": STORED_SYMBOL.get(stored, stored)}
