"""Django admin for chapters, countries and coordinators. Writes go through the services (which
check the rulebook and publish the events the statistics follow), as on the portal's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from recpnet.admin import HistoryAdmin

from . import policies, services
from .models import Chapter, Coordinator, Country

_REFUSED = "_recpnet_admin_refused"


class ThroughServicesAdmin(HistoryAdmin):
    """An admin whose ``save_model`` writes through a service (:meth:`through_service`). A
    refusal — the service's ValidationError or PermissionDenied — is shown as an error message
    and nothing is saved: the service's transaction is rolled back, and the inlines, the log
    entry and the success message are skipped (the form is shown again)."""

    def through_service(self, request: HttpRequest, write: Callable[[], Any]) -> None:
        try:
            write()
        except (ValidationError, PermissionDenied) as exc:
            refusals = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            for message in refusals:
                messages.error(request, message)
            setattr(request, _REFUSED, True)

    @staticmethod
    def refused(request: HttpRequest) -> bool:
        return bool(getattr(request, _REFUSED, False))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not self.refused(request):
            super().save_related(request, form, formsets, change)

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> Any:
        if self.refused(request):
            return []
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None if self.refused(request) else super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None if self.refused(request) else super().log_change(request, obj, message)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        if self.refused(request):
            return HttpResponseRedirect(request.get_full_path())
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if self.refused(request):
            return HttpResponseRedirect(request.get_full_path())
        response: HttpResponse = super().response_change(request, obj)
        return response


def became(obj: Any, saved: Any) -> None:
    """Make the admin's in-memory ``obj`` the row a service saved (its inlines, log entry and
    redirect refer to it)."""
    for field in type(saved)._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


@admin.register(Chapter)
class ChapterAdmin(HistoryAdmin):
    list_display = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Country)
class CountryAdmin(ThroughServicesAdmin):
    list_display = ("code", "name", "chapter")
    list_filter = ("chapter",)
    search_fields = ("code",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is the country's key: a changed code would be another country.
        return ("code",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Country, form: Any, change: bool) -> None:
        if change:
            if "chapter" in form.changed_data:
                # The service restates both chapters' statistics (CountryChapterChanged).
                self.through_service(
                    request,
                    lambda: services.country_assign(
                        actor=request.user, code=obj.code, chapter=obj.chapter
                    ),
                )
            return

        def add() -> None:
            # A new country has no members yet: nothing to restate.
            policies.authorize(request.user, "chapter", "assign_country", obj.chapter)
            super(CountryAdmin, self).save_model(request, obj, form, change)

        self.through_service(request, add)


@admin.register(Coordinator)
class CoordinatorAdmin(ThroughServicesAdmin):
    """Assign (through the service) and remove; an assignment is not edited: remove it and
    assign another."""

    list_display = ("user", "chapter", "assigned_on")
    list_filter = ("chapter",)
    autocomplete_fields = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and policies.allows(
            request.user, "chapter", "assign_coordinator"
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and policies.allows(
            request.user, "coordinator", "remove", obj
        )

    def save_model(self, request: HttpRequest, obj: Coordinator, form: Any, change: bool) -> None:
        def assign() -> None:
            became(
                obj,
                services.coordinator_assign(
                    actor=request.user, chapter=obj.chapter, email=obj.user.email
                ),
            )
            # Allowed, but the secretariat must know whom this coordinator cannot review.
            for warning in policies.coordinator_conflict_warnings(
                user=obj.user, chapter_id=obj.chapter_id
            ):
                messages.warning(request, warning)

        self.through_service(request, assign)

    def delete_model(self, request: HttpRequest, obj: Coordinator) -> None:
        services.coordinator_remove(actor=request.user, coordinator=obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Coordinator]) -> None:
        for coordinator in queryset:
            services.coordinator_remove(actor=request.user, coordinator=coordinator)
