"""HTML pages of members: directory, profiles, member workspaces, applications, growth and the
secretariat's lists. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chapters.selectors import chapters_ordered
from recpnet.exceptions import ConflictError
from recpnet.exports import export_response

from . import policies, selectors, services
from .forms import (
    ApplicationForm,
    DecisionForm,
    DirectoryFilterForm,
    InvitationForm,
    ProfileForm,
    RecommendationForm,
    SeatForm,
    StatusChangeForm,
    TierChangeForm,
    apply_errors,
)
from .growth import network_growth
from .models import Application, ApplicationState, Member, Tier
from .themes import THEME_LABELS

PAGE_SIZE = 50


def _attempt(request: HttpRequest, form: Any, call: Callable[[], Any]) -> Any:
    """Run a service; field errors go onto the form, conflicts become a message. Returns the
    service's result, or None when it refused."""
    try:
        return call()
    except ValidationError as exc:
        apply_errors(form, exc)
    except ConflictError as exc:
        messages.error(request, exc.message)
    return None


# --- public directory -------------------------------------------------------------------------


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    chapters = list(chapters_ordered())
    form = DirectoryFilterForm(request.GET or None, chapters=chapters)
    members = selectors.directory(actor=request.user, **form.filters())
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/directory.html",
        {"form": form, "page": page, "query": query.urlencode(), "themes": THEME_LABELS},
    )


@require_GET
def expertise(request: HttpRequest) -> HttpResponse:
    return render(request, "members/expertise.html", {"map": selectors.expertise_map()})


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    member = selectors.member_get_for_user(actor=request.user, slug=slug)
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "contacts": policies.allows(request.user, "member", "view_contacts", member),
            "can_see_workspace": policies.allows(request.user, "member", "view_workspace", member),
            "can_manage": policies.allows(request.user, "member", "manage", member),
            "themes": [THEME_LABELS.get(t, t) for t in member.themes],
            "seats": selectors.executive_seats(member=member),
        },
    )


# --- member workspace (/members/<slug>/…: the active member is always in the URL) ----------


@login_required
@require_GET
def workspace(request: HttpRequest, slug: str) -> HttpResponse:
    member, role = selectors.member_workspace_get(actor=request.user, slug=slug)
    return render(
        request,
        "members/workspace.html",
        {
            "member": member,
            "role": role,
            "can_manage": policies.allows(request.user, "member", "manage_staff", member),
            "staff": selectors.member_staff(member=member),
            "invitations": selectors.member_pending_invitations(member=member),
            "invite_form": InvitationForm(),
            "eligibility": selectors.member_eligibility(member=member),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    member = selectors.member_get_for_user(actor=request.user, slug=slug)
    policies.require(request.user, "member", "edit", member)
    initial = {
        **{f: getattr(member, f) for f in services.MEMBER_ADMIN_FIELDS},
        "sectors": ", ".join(member.sectors),
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(
            request, form, lambda: services.member_update(actor=request.user, member=member, **data)
        ):
            messages.success(request, _("Profile saved."))
            return redirect("members:workspace", slug=member.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "members/edit.html", {"member": member, "form": form}, status=status)


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    member, _role = selectors.member_workspace_get(actor=request.user, slug=slug)
    policies.require(request.user, "member", "manage_staff", member)
    form = InvitationForm(request.POST)
    if form.is_valid() and _attempt(
        request,
        form,
        lambda: services.invitation_create(actor=request.user, member=member, **form.cleaned_data),
    ):
        messages.success(
            request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
        )
        return redirect("members:workspace", slug=member.slug)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("members:workspace", slug=member.slug)


@login_required
@require_POST
def staff_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    member, _role = selectors.member_workspace_get(actor=request.user, slug=slug)
    policies.require(request.user, "member", "manage_staff", member)
    membership = selectors.member_staff(member=member).filter(pk=pk).first()
    if membership is None:
        raise Http404
    try:
        services.staff_remove(actor=request.user, membership=membership)
        messages.success(
            request, _("%(user)s was removed from the staff.") % {"user": membership.user}
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    if membership.user_id == request.user.pk:
        return redirect("dashboard")
    return redirect("members:workspace", slug=member.slug)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    member, _role = selectors.member_workspace_get(actor=request.user, slug=slug)
    policies.require(request.user, "member", "manage_staff", member)
    invitation = selectors.member_invitation_get(actor=request.user, member=member, pk=pk)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
        messages.success(request, _("Invitation withdrawn."))
    except ConflictError as exc:
        messages.error(request, exc.message)
    return redirect("members:workspace", slug=member.slug)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email. Visitors log in or sign up first (LOGIN_URL keeps
    ``next``), then accept here."""
    inv = selectors.invitation_get(token=token)
    problem = services.invitation_problem(invitation=inv)
    status = 410 if problem else 200
    if request.method == "POST" and problem is None:
        try:
            services.invitation_accept(actor=request.user, invitation=inv)
        except ConflictError as exc:
            problem, status = exc.message, 409
        except PermissionDenied as exc:
            problem, status = str(exc), 403
        else:
            messages.success(
                request, _("You have joined %(member)s.") % {"member": inv.member.name}
            )
            return redirect("members:workspace", slug=inv.member.slug)
    return render(
        request, "members/invitation.html", {"invitation": inv, "problem": problem}, status=status
    )


@login_required
@require_GET
def eligibility(request: HttpRequest, slug: str) -> HttpResponse:
    member = selectors.member_private_get(actor=request.user, slug=slug)
    return render(
        request,
        "members/eligibility.html",
        {"member": member, "eligibility": selectors.member_eligibility(member=member)},
    )


# --- secretariat: one member ------------------------------------------------------------------


def _manage_context(request: HttpRequest, member: Member, **forms: Any) -> dict[str, Any]:
    return {
        "member": member,
        "tier_form": forms.get("tier_form") or TierChangeForm(initial={"tier": member.tier}),
        "status_form": forms.get("status_form")
        or StatusChangeForm(initial={"status": member.status}),
        "seat_form": forms.get("seat_form") or SeatForm(),
        "tier_history": selectors.tier_history(member=member),
        "status_history": selectors.status_history(member=member),
        "seats": selectors.executive_seats(member=member),
        "eligibility": selectors.member_eligibility(member=member),
    }


@login_required
@require_GET
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    member = selectors.member_manage_get(actor=request.user, slug=slug)
    return render(request, "members/manage.html", _manage_context(request, member))


def _manage_post(
    request: HttpRequest, slug: str, form_class: Any, key: str, call: Callable[..., Any], done: str
) -> HttpResponse:
    member = selectors.member_manage_get(actor=request.user, slug=slug)
    form = form_class(request.POST)
    if form.is_valid() and _attempt(request, form, lambda: call(member, form.cleaned_data)):
        messages.success(request, done)
        return redirect("members:manage", slug=member.slug)
    return render(
        request, "members/manage.html", _manage_context(request, member, **{key: form}), status=400
    )


@login_required
@require_POST
def change_tier(request: HttpRequest, slug: str) -> HttpResponse:
    return _manage_post(
        request,
        slug,
        TierChangeForm,
        "tier_form",
        lambda m, d: services.member_change_tier(actor=request.user, member=m, **d),
        _("Tier change recorded."),
    )


@login_required
@require_POST
def change_status(request: HttpRequest, slug: str) -> HttpResponse:
    return _manage_post(
        request,
        slug,
        StatusChangeForm,
        "status_form",
        lambda m, d: services.member_change_status(actor=request.user, member=m, **d),
        _("Status change recorded."),
    )


@login_required
@require_POST
def add_seat(request: HttpRequest, slug: str) -> HttpResponse:
    return _manage_post(
        request,
        slug,
        SeatForm,
        "seat_form",
        lambda m, d: services.executive_seat_create(actor=request.user, member=m, **d),
        _("Executive Committee seat recorded."),
    )


# --- applications -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    contact_emails = services.application_contact_emails(actor=request.user)
    form = ApplicationForm(request.POST or None, contact_emails=contact_emails)
    if request.method == "POST" and form.is_valid():
        application = _attempt(
            request,
            form,
            lambda: services.application_submit(actor=request.user, **form.cleaned_data),
        )
        if application is not None:
            messages.success(request, _("Thank you: your application was received."))
            return redirect("members:application", reference=application.reference)
    return render(request, "members/apply.html", {"form": form, "contact_emails": contact_emails})


@login_required
@require_GET
def applications(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    qs = selectors.application_queue(actor=request.user)
    if state in ApplicationState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "members/applications.html",
        {
            "applications": qs,
            "counts": selectors.application_counts(actor=request.user),
            "states": ApplicationState.choices,
            "state": state,
        },
    )


def _application_context(
    request: HttpRequest, application: Application, **forms: Any
) -> dict[str, Any]:
    user = request.user
    can_recommend = application.state == ApplicationState.SUBMITTED and (
        selectors.can_recommend(actor=user, application=application)
    )
    can_decide = application.state in (
        ApplicationState.RECOMMENDED,
        ApplicationState.NOT_RECOMMENDED,
    ) and selectors.can_decide(actor=user, application=application)
    return {
        "application": application,
        "themes": [THEME_LABELS.get(t, t) for t in application.themes],
        "can_recommend": can_recommend,
        "can_decide": can_decide,
        "duplicates": selectors.application_duplicates(actor=user, application=application),
        "recommend_form": forms.get("recommend_form") or RecommendationForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(),
    }


@login_required
@require_GET
def application(request: HttpRequest, reference: str) -> HttpResponse:
    app = selectors.application_get_for_user(actor=request.user, reference=reference)
    return render(request, "members/application.html", _application_context(request, app))


@login_required
@require_POST
def application_recommend(request: HttpRequest, reference: str) -> HttpResponse:
    app = selectors.application_get_for_user(actor=request.user, reference=reference)
    policies.require(request.user, "application", "recommend", app)
    form = RecommendationForm(request.POST)
    if form.is_valid() and _attempt(
        request,
        form,
        lambda: services.application_recommend(
            actor=request.user, application=app, **form.cleaned_data
        ),
    ):
        messages.success(request, _("Recommendation recorded; the secretariat has been told."))
        return redirect("members:application", reference=app.reference)
    return render(
        request,
        "members/application.html",
        _application_context(request, app, recommend_form=form),
        status=400,
    )


@login_required
@require_POST
def application_decide(request: HttpRequest, reference: str) -> HttpResponse:
    app = selectors.application_get_for_user(actor=request.user, reference=reference)
    policies.require(request.user, "application", "decide", app)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if data["decision"] == "admit":
            member = _attempt(
                request,
                form,
                lambda: services.application_admit(
                    actor=request.user, application=app, reason=data["reason"]
                ),
            )
            if member is not None:
                messages.success(
                    request, _("%(name)s is now an observer member.") % {"name": member.name}
                )
                return redirect("members:manage", slug=member.slug)
        elif _attempt(
            request,
            form,
            lambda: services.application_reject(
                actor=request.user, application=app, reason=data["reason"]
            ),
        ):
            messages.success(request, _("Application rejected; the applicant has been told."))
            return redirect("members:application", reference=app.reference)
    return render(
        request,
        "members/application.html",
        _application_context(request, app, decision_form=form),
        status=400,
    )


# --- network growth ---------------------------------------------------------------------------


def _growth_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "labels": [r["year"] for r in rows],
        "datasets": [
            {"label": str(Tier(t).label), "data": [r["by_tier"].get(t, 0) for r in rows]}
            for t in Tier.values
        ]
        + [{"label": _("Countries covered"), "data": [r["countries"] for r in rows]}],
        "y_label": _("Members (as of 31 December)"),
    }


@require_GET
def growth(request: HttpRequest) -> HttpResponse:
    rows = network_growth()
    chapters = list(chapters_ordered())
    return render(
        request,
        "members/growth.html",
        {"rows": rows, "chart": _growth_chart(rows), "chapters": chapters, "tiers": Tier.choices},
    )


@require_GET
def growth_csv(request: HttpRequest) -> HttpResponse:
    rows = network_growth()
    chapters = list(chapters_ordered().values_list("slug", flat=True))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recpnet-network-growth.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["year", "members", "countries", "joined", "lapsed", "active_contributors"]
        + [f"tier_{t}" for t in Tier.values]
        + [f"chapter_{c}" for c in chapters]
    )
    for r in rows:
        writer.writerow(
            [
                r["year"],
                r["members"],
                r["countries"],
                r["joined"],
                r["lapsed"],
                r["active_contributors"],
            ]
            + [r["by_tier"].get(t, 0) for t in Tier.values]
            + [r["by_chapter"].get(c, 0) for c in chapters]
        )
    return response


# --- secretariat: all members -----------------------------------------------------------------


@login_required
@require_GET
def secretariat_members(request: HttpRequest) -> HttpResponse:
    members = selectors.members_for_secretariat(actor=request.user)
    status = request.GET.get("status", "")
    if status:
        members = members.filter(status=status)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/secretariat_members.html",
        {
            "page": page,
            "counts": selectors.member_counts(actor=request.user),
            "application_counts": selectors.application_counts(actor=request.user),
            "status": status,
        },
    )


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    return export_response(
        rows=selectors.member_export_rows(actor=request.user),
        columns=selectors.MEMBER_EXPORT_COLUMNS,
        fmt=fmt,
        filename="recpnet-members",
    )


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")
