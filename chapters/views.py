"""HTML pages of chapters: the public list and pages, and the secretariat's editing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recpnet.exceptions import ConflictError

from . import policies, selectors, services
from .forms import ChapterEditForm, ChapterForm, CoordinatorForm, CountryAssignForm, chapter_initial
from .models import Chapter, Coordinator


def _errors_to_form(
    form: ChapterForm | CountryAssignForm | CoordinatorForm, exc: ValidationError
) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _chapter_for(request: HttpRequest, slug: str, action: str) -> Chapter:
    """The chapter ``slug``, if the actor may ``action`` it: 404 or 403 from the rulebook."""
    chapter = selectors.chapter_get(actor=request.user, slug=slug)
    policies.require(request.user, "chapter", action, chapter)
    return chapter


def _warn_conflicts(request: HttpRequest, coordinator: Coordinator) -> None:
    for warning in policies.coordinator_conflict_warnings(
        user=coordinator.user, chapter_id=coordinator.chapter_id
    ):
        messages.warning(request, warning)


@require_GET
def chapter_list(request: HttpRequest) -> HttpResponse:
    chapters = selectors.chapters_list(actor=request.user).order_by("position", "name")
    return render(
        request,
        "chapters/list.html",
        {"chapters": chapters, "can_create": policies.allows(request.user, "chapter", "create")},
    )


@require_GET
def chapter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    chapter = selectors.chapter_get(actor=request.user, slug=slug)
    return render(
        request,
        "chapters/detail.html",
        {
            "chapter": chapter,
            "countries": selectors.countries_of(chapter=chapter),
            "coordinators": selectors.chapter_coordinators(actor=request.user, chapter=chapter),
            "can_edit": policies.allows(request.user, "chapter", "edit", chapter),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def chapter_create(request: HttpRequest) -> HttpResponse:
    policies.require(request.user, "chapter", "create")
    form = ChapterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            chapter = services.chapter_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Chapter created."))
            return redirect("chapters:edit", slug=chapter.slug)
    return render(request, "chapters/form.html", {"form": form, "chapter": None})


def _edit_context(request: HttpRequest, chapter: Chapter, **forms: object) -> dict[str, object]:
    return {
        "chapter": chapter,
        "form": forms.get("form") or ChapterEditForm(initial=chapter_initial(chapter)),
        "country_form": forms.get("country_form") or CountryAssignForm(),
        "coordinator_form": forms.get("coordinator_form") or CoordinatorForm(),
        "countries": selectors.countries_of(chapter=chapter),
        "coordinators": selectors.chapter_coordinators(actor=request.user, chapter=chapter),
    }


@login_required
@require_http_methods(["GET", "POST"])
def chapter_edit(request: HttpRequest, slug: str) -> HttpResponse:
    chapter = _chapter_for(request, slug, "edit")
    form = ChapterEditForm(request.POST or None, initial=chapter_initial(chapter))
    if request.method == "POST" and form.is_valid():
        try:
            services.chapter_update(actor=request.user, chapter=chapter, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Chapter saved."))
            return redirect("chapters:edit", slug=chapter.slug)
    return render(request, "chapters/form.html", _edit_context(request, chapter, form=form))


@login_required
@require_POST
def country_assign(request: HttpRequest, slug: str) -> HttpResponse:
    chapter = _chapter_for(request, slug, "assign_country")
    form = CountryAssignForm(request.POST)
    if form.is_valid():
        try:
            country = services.country_assign(
                actor=request.user, code=form.cleaned_data["country"], chapter=chapter
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("%(country)s now belongs to %(chapter)s.")
                % {"country": country.name, "chapter": chapter.name},
            )
            return redirect("chapters:edit", slug=chapter.slug)
    return render(
        request,
        "chapters/form.html",
        _edit_context(request, chapter, country_form=form),
        status=400,
    )


@login_required
@require_POST
def coordinator_add(request: HttpRequest, slug: str) -> HttpResponse:
    chapter = _chapter_for(request, slug, "assign_coordinator")
    form = CoordinatorForm(request.POST)
    if form.is_valid():
        try:
            coordinator = services.coordinator_assign(
                actor=request.user, chapter=chapter, email=form.cleaned_data["email"]
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Coordinator assigned."))
            _warn_conflicts(request, coordinator)
            return redirect("chapters:edit", slug=chapter.slug)
    return render(
        request,
        "chapters/form.html",
        _edit_context(request, chapter, coordinator_form=form),
        status=400,
    )


@login_required
@require_POST
def coordinator_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    chapter = selectors.chapter_get(actor=request.user, slug=slug)
    coordinator = selectors.coordinator_get(actor=request.user, chapter=chapter, pk=pk)
    policies.require(request.user, "coordinator", "remove", coordinator)
    try:
        services.coordinator_remove(actor=request.user, coordinator=coordinator)
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Coordinator removed."))
    return redirect("chapters:edit", slug=chapter.slug)
