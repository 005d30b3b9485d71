"""Pages of the case library: the library and case pages, members' case lists and forms,
the review queue, attachments, bulk import, export and the change history (the indicators
and exchange rates are the catalogue's pages).

Thin: parse input, call one selector or service, render. Outsiders get 404 (from the
selectors), roles that may see but not act 403 (from the services), conflicts a clear message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knowledge.evidence import policies, review
from knowledge.evidence.forms import (
    AttachmentForm,
    AttachmentVisibilityForm,
    CaseForm,
    ImportForm,
    ReviewForm,
)
from knowledge.evidence.imports import COLUMNS, MAX_ROWS, template_rows
from knowledge.evidence.models.cases import (
    THEMES,
    Case,
    EnterpriseSize,
    Methodology,
    Visibility,
)
from knowledge.evidence.models.review import ReviewStatus
from knowledge.evidence.selectors import cases as selectors
from knowledge.evidence.services import cases as services
from knowledge.evidence.views import saved_message
from knowledge.evidence.views.review import review_action
from recpnet import bounds
from recpnet.exceptions import ConflictError
from recpnet.exports import export_response

EXPORT_COLUMNS = [
    ("id", "id"),
    ("member", "member"),
    ("title", "title"),
    ("country", "country"),
    ("chapter", "chapter"),
    ("sector", "sector"),
    ("enterprise_size", "enterprise_size"),
    ("year", "year"),
    ("themes", "themes"),
    ("methodology", "methodology"),
    ("summary", "summary"),
    ("options_identified", "options_identified"),
    ("options_implemented", "options_implemented"),
    ("investment_amount", "investment_amount"),
    ("investment_currency", "investment_currency"),
    ("investment_usd", "investment_usd"),
    ("annual_savings_amount", "annual_savings_amount"),
    ("annual_savings_currency", "annual_savings_currency"),
    ("annual_savings_usd", "annual_savings_usd"),
    ("payback_years", "payback_years"),
    ("enterprises", "enterprises"),
    ("visibility", "visibility"),
    ("licence", "licence"),
    ("status", "status"),
    ("url", "url"),
]
IMPACT_EXPORT = (
    "energy_saved",
    "water_saved",
    "materials_saved",
    "waste_reduced",
    "wastewater_reduced",
    "ghg_reduced",
)


def _filters(request: HttpRequest) -> dict[str, Any]:
    wanted = (*selectors.FACETS, "q", "status", "member")
    filters: dict[str, Any] = {k: request.GET.get(k, "").strip() for k in wanted}
    filters["year"] = bounds.query_year(request.GET)
    return filters


def _permalink(case: Case) -> str:
    return settings.SITE_URL + reverse("knowledge:case-detail", args=[case.public_id])


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    """Approved cases: public ones for everyone, network-only ones for the network."""
    filters = _filters(request)
    visible = selectors.library_visible(actor=request.user)
    page = Paginator(
        selectors.library(actor=request.user, filters=filters, visible=visible), 25
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "knowledge/cases/library.html",
        {
            "page": page,
            "filters": filters,
            "options": selectors.facet_options(visible=visible),
            "sizes": EnterpriseSize.choices,
            "methodologies": Methodology.choices,
            "themes": THEMES,
            "query": query.urlencode(),
        },
    )


@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """What the user can see, filtered like the library, as CSV, XLSX or JSON."""
    network = selectors.sees_enterprise_names(actor=request.user)
    cases = selectors.cases_for_export(actor=request.user, filters=_filters(request))
    columns = list(EXPORT_COLUMNS)
    if network:
        columns.insert(3, ("enterprise_name", "enterprise_name"))
    columns += [(f"{c}_stored", f"{c}") for c in IMPACT_EXPORT]

    def rows() -> Any:
        for case in cases:
            row: dict[str, Any] = {
                "id": str(case.public_id),
                "member": case.member.slug,
                "chapter": case.country.chapter.slug,
                "country": case.country_id,
                "payback_years": case.payback_years,
                "url": _permalink(case),
            }
            for name in (c for c, _label in EXPORT_COLUMNS if c not in row):
                row[name] = getattr(case, name)
            if network:
                row["enterprise_name"] = case.enterprise_name
            for impact in case.impacts.all():
                row[f"{impact.indicator.code}_stored"] = impact.value_stored
            yield row

    return export_response(rows=rows(), columns=columns, fmt=fmt, filename="recpnet-cases")


@require_GET
def case_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    case = selectors.case_get_for_user(actor=request.user, public_id=public_id)
    return case_page(request, case)


def case_page(request: HttpRequest, case: Case, *, status: int = 200) -> HttpResponse:
    """The case page (also answering a refused review action, with the refusal's status)."""
    selectors.case_with_details(actor=request.user, case=case)
    # With each, whether the actor is on its uploader's side (notices about it, and changing
    # its visibility while the case may be edited).
    attachments = [
        (a, policies.allows(request.user, "case_attachment", "edit", a))
        for a in case.attachments_list  # type: ignore[attr-defined]
    ]
    network = selectors.sees_enterprise_names(actor=request.user)
    figures = [(f, f.derived(case)) for f in case.figures_list]  # type: ignore[attr-defined]
    authenticated = request.user.is_authenticated
    actions = review.allowed_actions(item=case, actor=request.user) if authenticated else []
    can_edit = case.is_editable and policies.allows(request.user, "case", "edit", case)
    flags: list[str] = []
    if "approve" in actions or "return" in actions:
        flags = selectors.case_flags(cases=[case]).get(case.pk, [])
    approved_on = case.approved_at.date().isoformat() if case.approved_at else ""
    citation = (
        f"{case.member.name} ({case.year}). {case.title}. RECPnet case library"
        f"{', approved ' + approved_on if approved_on else ''}. {case.licence}. {_permalink(case)}"
    )
    return render(
        request,
        "knowledge/cases/detail.html",
        {
            "case": case,
            "network": network,
            "figures": figures,
            "actions": actions,
            "can_edit": can_edit,
            "flags": flags,
            "transitions": review.transitions_of(case)
            if policies.allows(request.user, "case", "view_history", case)
            else [],
            "last_return": review.last_return_comment(case)
            if case.status == ReviewStatus.RETURNED and (can_edit or actions)
            else None,
            "permalink": _permalink(case),
            "citation": citation,
            "review_form": ReviewForm(),
            "attachments": attachments,
            "attachment_form": AttachmentForm(),
        },
        status=status,
    )


@login_required
@require_POST
def case_action(request: HttpRequest, public_id: Any, action: str) -> HttpResponse:
    case = selectors.case_get_for_user(actor=request.user, public_id=public_id)
    return review_action(request, item=case, action=action, page=case_page)


@login_required
@require_GET
def member_cases(request: HttpRequest, slug: str) -> HttpResponse:
    member, cases, role = selectors.member_cases(actor=request.user, slug=slug)
    rows = list(cases)
    comments = selectors.return_comments(cases=rows)
    by_status = [
        (status, [(c, comments.get(c.pk)) for c in rows if c.status == status])
        for status in (
            ReviewStatus.RETURNED,
            ReviewStatus.DRAFT,
            ReviewStatus.SUBMITTED,
            ReviewStatus.APPROVED,
        )
    ]
    return render(
        request,
        "knowledge/cases/member_cases.html",
        {"member": member, "by_status": by_status, "role": role},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest, slug: str) -> HttpResponse:
    member = selectors.member_for_case_writing(actor=request.user, slug=slug)
    form = CaseForm(request.POST or None, initial={"country": member.country_id})
    if request.method == "POST" and form.is_valid():
        fields, impacts, figures = form.service_input()
        try:
            case = services.case_create(
                actor=request.user, member=member, fields=fields, impacts=impacts, figures=figures
            )
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
        else:
            saved_message(
                request,
                warning=selectors.case_rate_warning(case=case),
                saved=_("Draft saved. Submit it for review when it is ready."),
            )
            return redirect("knowledge:case-detail", public_id=case.public_id)
    return render(
        request,
        "knowledge/cases/form.html",
        {"form": form, "member": member},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    case = selectors.case_get_for_user(actor=request.user, public_id=public_id)
    try:
        services.case_check_can_edit(actor=request.user, case=case)
    except ConflictError as exc:
        # Locked: a link to the form goes back to the case; a save answers as the API (409).
        messages.error(request, exc.message)
        if request.method == "POST":
            return case_page(request, case, status=409)
        return redirect("knowledge:case-detail", public_id=case.public_id)
    form = CaseForm(request.POST or None, initial=CaseForm.initial_for(case))
    if request.method == "POST" and form.is_valid():
        fields, impacts, figures = form.service_input()
        try:
            case = services.case_update(
                actor=request.user,
                case=case,
                fields=fields,
                impacts=impacts,
                figures=figures,
                expected_version=request.POST.get("version") or case.version,
            )
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            saved_message(
                request, warning=selectors.case_rate_warning(case=case), saved=_("Changes saved.")
            )
            return redirect("knowledge:case-detail", public_id=case.public_id)
    return render(
        request,
        "knowledge/cases/form.html",
        {"form": form, "member": case.member, "case": case},
        status=400 if form.errors else 200,
    )


def _form_errors(request: HttpRequest, form: Any) -> None:
    """A form's errors as messages on the case page, each naming its field."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@login_required
@require_POST
def attachment_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    case = selectors.case_get_for_user(actor=request.user, public_id=public_id)
    form = AttachmentForm(request.POST, request.FILES)
    if "file" in form.errors:
        messages.error(request, _("Choose a file to attach."))
    elif not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            attachment = services.case_attachment_add(
                actor=request.user,
                case=case,
                upload=form.cleaned_data["file"],
                visibility=form.cleaned_data["visibility"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except ConflictError as exc:
            messages.error(request, exc.message)
        else:
            asked_public = form.cleaned_data["visibility"] == Visibility.PUBLIC
            if attachment.visibility == Visibility.PUBLIC:
                messages.success(request, _("File attached, public once the case is published."))
            elif attachment.flagged and asked_public:
                messages.warning(
                    request,
                    _(
                        "Visibility: the file is attached but kept network-only: %(finding)s, "
                        "so it cannot be public."
                    )
                    % {"finding": attachment.get_name_check_display()},
                )
            elif attachment.flagged:
                messages.warning(
                    request,
                    _("File attached, network-only: %(finding)s, so it cannot be public.")
                    % {"finding": attachment.get_name_check_display()},
                )
            else:
                messages.success(request, _("File attached, network-only."))
    return redirect("knowledge:case-detail", public_id=case.public_id)


@login_required
@require_POST
def attachment_visibility(request: HttpRequest, public_id: Any, attachment_id: Any) -> HttpResponse:
    """Make an attachment public or network-only (its uploader's side, while the case may be
    edited)."""
    case = selectors.case_get_for_user(actor=request.user, public_id=public_id)
    attachment = selectors.attachment_get_for_user(
        actor=request.user, case=case, attachment_id=attachment_id
    )
    form = AttachmentVisibilityForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("knowledge:case-detail", public_id=case.public_id)
    try:
        attachment = services.case_attachment_set_visibility(
            actor=request.user, attachment=attachment, visibility=form.cleaned_data["visibility"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("“%(file)s” is now %(visibility)s.")
            % {
                "file": attachment.filename,
                "visibility": attachment.get_visibility_display().lower(),
            },
        )
    return redirect("knowledge:case-detail", public_id=case.public_id)


@require_GET
def attachment_download(request: HttpRequest, public_id: Any, attachment_id: Any) -> FileResponse:
    case = selectors.case_get_for_user(actor=request.user, public_id=public_id)
    attachment = selectors.attachment_get_for_user(
        actor=request.user, case=case, attachment_id=attachment_id
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def attachment_delete(request: HttpRequest, public_id: Any, attachment_id: Any) -> HttpResponse:
    case = selectors.case_get_for_user(actor=request.user, public_id=public_id)
    attachment = selectors.attachment_get_for_user(
        actor=request.user, case=case, attachment_id=attachment_id
    )
    try:
        services.case_attachment_delete(actor=request.user, attachment=attachment)
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Attachment removed."))
    return redirect("knowledge:case-detail", public_id=case.public_id)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The review queue: the coordinator's chapters (the secretariat: all)."""
    status = request.GET.get("status", ReviewStatus.SUBMITTED)
    if status not in ReviewStatus.values:
        status = ReviewStatus.SUBMITTED
    cases = list(selectors.review_queue(actor=request.user, status=status)[:200])
    flags = selectors.case_flags(cases=cases)
    rows = [(c, selectors.age_days(c), flags.get(c.pk, [])) for c in cases]
    return render(
        request,
        "knowledge/cases/queue.html",
        {
            "rows": rows,
            "counts": selectors.review_counts(actor=request.user),
            "status": status,
            "statuses": [s for s in ReviewStatus if s != ReviewStatus.DRAFT],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_cases(request: HttpRequest, slug: str) -> HttpResponse:
    member = selectors.member_for_case_writing(actor=request.user, slug=slug, action="import_cases")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.case_import_start(
                actor=request.user,
                member=member,
                filename=upload.name or "import.csv",
                content=upload,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            return redirect("knowledge:case-import-job", public_id=job.public_id)
    limits = {"max_rows": MAX_ROWS, "max_bytes": settings.IMPORT_MAX_BYTES}
    return render(
        request, "knowledge/cases/import.html", {"form": form, "member": member, **limits}
    )


@login_required
@require_GET
def import_job(request: HttpRequest, public_id: Any) -> HttpResponse:
    job = selectors.import_job_get(actor=request.user, public_id=public_id)
    return render(request, "knowledge/cases/import_job.html", {"job": job})


@login_required
@require_GET
def import_job_status(request: HttpRequest, public_id: Any) -> JsonResponse:
    job = selectors.import_job_get(actor=request.user, public_id=public_id)
    return JsonResponse(
        {
            "state": job.state,
            "total": job.total,
            "processed": job.processed,
            "percent": job.percent,
            "created": job.created,
            "errors": len(job.errors),
        }
    )


@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    columns = [(name, name) for name, _r, _d, _e in COLUMNS]
    return export_response(
        rows=template_rows(), columns=columns, fmt=fmt, filename="recpnet-case-import-template"
    )


@require_GET
def import_help(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/cases/import_help.html",
        {"columns": COLUMNS, "async_rows": services.IMPORT_ASYNC_ROWS},
    )


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/cases/history.html",
        {"changes": selectors.change_history(actor=request.user)},
    )
