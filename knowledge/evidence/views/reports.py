"""Annual report pages: the member's report workspace (explicit tenant in the URL), the report
form, the report page with its review actions, and the coordinators' review queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knowledge.catalogue import selectors as catalogue_selectors
from knowledge.evidence import policies
from knowledge.evidence.models.reports import ACTIVITY_FIELDS, AnnualReport
from knowledge.evidence.review import transitions_of
from knowledge.evidence.selectors import reports as selectors
from knowledge.evidence.services import reports as services
from knowledge.evidence.views import saved_message
from knowledge.evidence.views.review import review_action
from members.selectors import member_workspace_get
from recpnet.exceptions import ConflictError
from recpnet.exports import export_response
from recpnet.numbers import plain


def _impact_rows(post: Any, report: Any = None) -> list[dict[str, Any]]:
    """Each impact indicator with the value and unit to show: what was posted (a form with
    errors keeps what the person typed), else the report's own figure in the unit it was
    entered in — never the first unit of the list, which would change the figure on save."""
    current = {}
    if report is not None:
        current = {
            i.indicator.code: (plain(i.value), i.unit or i.currency) for i in report.impacts_list
        }
    rows = []
    for ind in catalogue_selectors.impact_indicator_choices():
        value, unit = current.get(ind["code"], ("", "USD" if ind["money"] else ind["units"][0]))
        if post:
            value = post.get(f"impact_{ind['code']}", "")
            unit = post.get(f"unit_{ind['code']}") or unit
        rows.append({**ind, "value": value, "selected": unit})
    return rows


def _activity_rows(post: Any, report: Any = None) -> list[dict[str, Any]]:
    rows = []
    for name in ACTIVITY_FIELDS:
        value = getattr(report, name) if report is not None else ""
        if post:
            value = post.get(name, "")
        rows.append(
            {
                "name": name,
                "label": getattr(AnnualReport._meta.get_field(name), "verbose_name", name),
                "value": value,
            }
        )
    return rows


def _parse_form(request: HttpRequest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    activity = {name: request.POST.get(name) or 0 for name in ACTIVITY_FIELDS}
    impacts = []
    for ind in catalogue_selectors.impact_indicator_choices():
        value = (request.POST.get(f"impact_{ind['code']}") or "").strip()
        if value:
            impacts.append(
                {
                    "indicator": ind["code"],
                    "value": value,
                    "unit": request.POST.get(f"unit_{ind['code']}") or ind["unit"],
                }
            )
    return activity, impacts


@login_required
@require_GET
def workspace(request: HttpRequest, slug: str) -> HttpResponse:
    member, role = member_workspace_get(actor=request.user, slug=slug)
    ws = selectors.member_reports_workspace(actor=request.user, member=member)
    return render(request, "knowledge/reports/workspace.html", {"ws": ws, "role": role})


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest, slug: str) -> HttpResponse:
    member = selectors.member_for_report_writing(actor=request.user, slug=slug)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        activity, impacts = _parse_form(request)
        try:
            report = services.report_create(
                member=member,
                year=request.POST.get("year"),
                actor=request.user,
                activity=activity,
                impacts=impacts,
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            saved_message(
                request,
                warning=selectors.report_rate_warning(report=report),
                saved=_("Draft saved."),
            )
            return redirect("knowledge:report-detail", slug=member.slug, year=report.year)
    return render(
        request,
        "knowledge/reports/form.html",
        {
            "member": member,
            "errors": errors,
            "post": request.POST,
            "indicators": _impact_rows(request.POST),
            "activity_rows": _activity_rows(request.POST),
            "due_year": services.report_due()[0],
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    report = selectors.report_get_by_year(actor=request.user, member_slug=slug, year=year)
    try:
        services.report_check_can_edit(actor=request.user, report=report)
    except ConflictError as exc:
        # Locked: a link to the form goes back to the report; a save answers as the API (409).
        messages.error(request, exc.message)
        if request.method == "POST":
            return report_page(request, report, status=409)
        return redirect("knowledge:report-detail", slug=slug, year=year)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        activity, impacts = _parse_form(request)
        try:
            report = services.report_update(
                report=report,
                actor=request.user,
                activity=activity,
                impacts=impacts,
                expected_version=request.POST.get("version"),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        except ConflictError as exc:
            messages.error(request, exc.message)
            return redirect("knowledge:report-detail", slug=slug, year=year)
        else:
            saved_message(
                request,
                warning=selectors.report_rate_warning(report=report),
                saved=_("Report saved."),
            )
            return redirect("knowledge:report-detail", slug=slug, year=year)
    report = selectors.report_with_impacts(report=report)
    return render(
        request,
        "knowledge/reports/form.html",
        {
            "member": report.member,
            "report": report,
            "errors": errors,
            "post": request.POST or None,
            "indicators": _impact_rows(request.POST, report),
            "activity_rows": _activity_rows(request.POST, report),
        },
        status=400 if errors else 200,
    )


@require_GET
def report_detail(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    report = selectors.report_get_by_year(actor=request.user, member_slug=slug, year=year)
    return report_page(request, report)


def report_page(request: HttpRequest, report: AnnualReport, *, status: int = 200) -> HttpResponse:
    """The report page (also answering a refused review action, with the refusal's status)."""
    report = selectors.report_with_impacts(report=report)
    return render(
        request,
        "knowledge/reports/detail.html",
        {
            "report": report,
            "can": selectors.can_act(actor=request.user, report=report),
            "history": transitions_of(report)
            if policies.allows(request.user, "report", "view_history", report)
            else [],
            "hard_errors": services.report_hard_errors(report) if report.is_editable else {},
        },
        status=status,
    )


@login_required
@require_POST
def report_action(request: HttpRequest, slug: str, year: int, action: str) -> HttpResponse:
    report = selectors.report_get_by_year(actor=request.user, member_slug=slug, year=year)
    # The report page lists what blocks a submission (report_hard_errors) itself.
    return review_action(
        request, item=report, action=action, page=report_page, submit_errors_on_page=True
    )


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    items, counts = selectors.report_review_queue(actor=request.user)
    fmt = request.GET.get("format")
    if fmt:
        rows = [
            {
                "member": r.member.name,
                "year": r.year,
                "submitted_at": r.submitted_at,
                "age_days": r.age_days,  # type: ignore[attr-defined]
            }  # type: ignore[attr-defined]
            for r in items
        ]
        columns = [
            ("member", "Member"),
            ("year", "Year"),
            ("submitted_at", "Submitted"),
            ("age_days", "Age (days)"),
        ]
        return export_response(rows=rows, columns=columns, fmt=fmt, filename="report review queue")
    return render(request, "knowledge/reports/queue.html", {"items": items, "counts": counts})
