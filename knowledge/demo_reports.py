"""Demo annual reports, derived from the seed's approved demo cases.

The seed gives no member-year totals that can be attributed honestly (see demo_data.REPORTS),
so each member with approved demo cases in a year gets a report whose totals equal the sum of
those cases (the least a report may give) and whose activity counters count them. Reports are
written, submitted and approved through the services and the shared workflow; then the
statistics are rebuilt. Idempotent: an existing report is left as it is.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from knowledge.models import AnnualReport, Case, ReviewStatus
from knowledge.services import reports as services
from knowledge.services.statistics import statistics_rebuild
from members.models import Membership
from recpnet.models import User


def load_reports_demo(*, stdout: Any = None) -> int:
    approver = User.objects.filter(is_secretariat=True).order_by("pk").first()
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
        staff = (
            Membership.objects.filter(member_id=g["member_id"])
            .select_related("user", "member")
            .first()
        )
        if staff is None or approver is None:
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
            member=staff.member,
            year=g["year"],
            actor=staff.user,
            activity=activity,
            impacts=impacts,
        )
        report = services.report_submit(report=report, actor=staff.user)
        services.report_approve(report=report, actor=approver, comment="Demo data")
        created += 1
    result = statistics_rebuild()
    if stdout is not None:
        stdout.write(f"Annual reports: {created} created; statistics: {result.slices} slices.")
    return created


def _with_unit(item: dict[str, Any]) -> dict[str, Any]:
    from knowledge.models import Indicator
    from knowledge.units import STORED_SYMBOL

    if item["unit"]:
        return item
    stored = Indicator.objects.get(code=item["indicator"]).unit
    return {**item, "unit": STORED_SYMBOL.get(stored, stored)}
