"""Django admin for members: the secretariat's fallback tools (thresholds are edited here)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chapters.admin import ThroughServicesAdmin, became
from recpnet.admin import HistoryAdmin

from . import policies, services
from .models import (
    Application,
    EligibilityThreshold,
    ExecutiveSeat,
    Invitation,
    LapseReminder,
    Member,
    Membership,
    StatusChange,
    TierChange,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class TierChangeInline(admin.TabularInline):
    model = TierChange
    extra = 0
    readonly_fields = ("tier", "effective_on", "reason", "actor", "recorded_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # through the portal's tier page, which records the actor and reason


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ("status", "effective_on", "reason", "actor", "recorded_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # through the portal's status page


@admin.register(Member)
class MemberAdmin(ThroughServicesAdmin):
    """Members are recorded and edited through the services (the rulebook's checks, the
    service's own, and the events the statistics follow when a member changes country)."""

    list_display = (
        "name",
        "country",
        "organisation_type",
        "tier",
        "status",
        "joined_on",
        "founding",
    )
    list_filter = ("tier", "status", "organisation_type", "founding", "country__chapter")
    search_fields = ("name", "slug")
    # Dates and years through the portal's member pages, which hold them to the declared
    # ranges (recpnet.bounds); tier and status through their dated history.
    readonly_fields = ("tier", "status", "joined_on", "established")
    inlines = (MembershipInline, TierChangeInline, StatusChangeInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and policies.allows(
            request.user, "member", "create"
        )

    def save_model(self, request: HttpRequest, obj: Member, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changed = {name: data[name] for name in form.changed_data}
            if changed:
                self.through_service(
                    request,
                    lambda: services.member_update(actor=request.user, member=obj, **changed),
                )
            return
        identity = ("name", "country", "organisation_type", "slug", "founding")
        profile = {
            name: value
            for name, value in data.items()
            if name in services.MEMBER_ADMIN_FIELDS and name not in identity
        }
        self.through_service(
            request,
            lambda: became(
                obj,
                services.member_create(
                    actor=request.user, **{name: data[name] for name in identity}, **profile
                ),
            ),
        )


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("name",)
    readonly_fields = ("reference", "state", "member", "recommended_by", "decided_by")


@admin.register(EligibilityThreshold)
class EligibilityThresholdAdmin(admin.ModelAdmin):
    list_display = ("tier", "min_annual_reports", "min_cases", "min_years_member")


@admin.register(ExecutiveSeat)
class ExecutiveSeatAdmin(admin.ModelAdmin):
    """Read-only here: seats are recorded on the portal's member page, which checks the
    holder's tier and the term's dates."""

    list_display = ("member", "title", "term_start", "term_end")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "member",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    search_fields = ("email", "member__name")


@admin.register(LapseReminder)
class LapseReminderAdmin(admin.ModelAdmin):
    list_display = ("member", "reporting_year", "days_before", "sent_at")


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ("user", "member", "role")
    search_fields = ("user__email", "member__name")
    autocomplete_fields = ("user", "member")
