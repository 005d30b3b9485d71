"""Django admin for the knowledge base: the catalogue (indicators, exchange rates) with its
history, and cases (read-mostly: writes go through the portal's pages and services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from knowledge.models import Case, CaseImpact, CaseImportJob, ExchangeRate, Indicator
from recpnet.admin import HistoryAdmin


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdmin):
    list_display = ("code", "name", "unit", "category", "position")
    list_filter = ("category",)
    search_fields = ("code", "name")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(HistoryAdmin):
    """Read-only here: rates are added and changed on the portal's page, through the service
    that asks for confirmation of a rate far from its neighbours and requires a source."""

    list_display = ("currency", "year", "usd_per_unit", "source")
    list_filter = ("currency",)
    search_fields = ("currency",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseImpactInline(admin.TabularInline):
    model = CaseImpact
    extra = 0
    readonly_fields = ("indicator", "value", "unit", "value_stored")
    can_delete = False


@admin.register(Case)
class CaseAdmin(HistoryAdmin):
    """Read-only: a case changes through the portal's services and review workflow."""

    list_display = ("title", "member", "country", "sector", "year", "status", "visibility")
    list_filter = ("status", "visibility", "methodology", "enterprise_size")
    search_fields = ("title", "enterprise_name", "member__name")
    inlines = (CaseImpactInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CaseImportJob)
class CaseImportJobAdmin(admin.ModelAdmin):
    list_display = ("filename", "member", "state", "total", "created", "created_at")
    list_filter = ("state",)
    exclude = ("content",)
    readonly_fields = (
        "member",
        "created_by",
        "filename",
        "state",
        "total",
        "processed",
        "created",
        "errors",
        "started_at",
        "finished_at",
    )
