"""Django admin for the knowledge base: the catalogue (indicators, exchange rates) with its
history, and cases (read-mostly: writes go through the portal's pages and services). The
catalogue's writes here go through its services, which publish the events the statistics
follow."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from knowledge.catalogue import policies as catalogue_policies
from knowledge.catalogue import services as catalogue_services
from knowledge.models import Case, CaseImpact, CaseImportJob, ExchangeRate, Indicator
from recpnet.admin import HistoryAdmin


class IndicatorForm(forms.ModelForm):  # type: ignore[type-arg]
    """Shows the service's rules (a code that stays, a unit the conversions know) on the
    form's fields before anything is saved."""

    actor: Any = None  # the user saving (set by IndicatorAdmin.get_form)

    class Meta:
        model = Indicator
        fields = ("code", "name", "unit", "category", "input_units", "description", "position")

    def clean(self) -> dict[str, Any]:
        super().clean()
        candidate = copy.copy(self.instance)  # the instance itself is updated after clean()
        for name, value in self.cleaned_data.items():
            setattr(candidate, name, value)
        try:
            catalogue_services.indicator_check(indicator=candidate)
            if self.instance.pk is not None and self.actor is not None:
                _try_save(candidate, actor=self.actor)
        except ValidationError as exc:
            self.add_error(None, exc)
        return self.cleaned_data


class _DryRun(Exception):
    pass


def _try_save(indicator: Indicator, *, actor: Any) -> None:
    """Save ``indicator`` and roll it back, so that what only saving can find — a new stored
    unit that the indicator's figures do not convert to, refused by their restatement — is
    shown on the form instead of failing after it. A rolled-back savepoint also drops the
    statistics' recompute scheduled for its commit."""
    try:
        with transaction.atomic():
            catalogue_services.indicator_save(actor=actor, indicator=copy.copy(indicator))
            raise _DryRun
    except _DryRun:
        pass


@admin.register(Indicator)
class IndicatorAdmin(HistoryAdmin):
    list_display = ("code", "name", "unit", "category", "position")
    list_filter = ("category",)
    search_fields = ("code", "name")
    form = IndicatorForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and catalogue_policies.allows(
            request.user, "indicator", "create"
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and catalogue_policies.allows(
            request.user, "indicator", "edit", obj
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})  # for the dry run

    def save_model(self, request: HttpRequest, obj: Indicator, form: Any, change: bool) -> None:
        # A change of the stored unit restates the indicator's figures (an event); a form
        # saved unchanged writes nothing.
        catalogue_services.indicator_save(actor=request.user, indicator=obj)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(HistoryAdmin):
    """Read-only here: rates are added and changed on the portal's page, through the service
    that asks for confirmation of a rate far from its neighbours and requires a source. A
    wrong rate can be removed (through the service: the amounts it converted wait again)."""

    list_display = ("currency", "year", "usd_per_unit", "source")
    list_filter = ("currency",)
    search_fields = ("currency",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and catalogue_policies.allows(
            request.user, "exchange_rate", "delete", obj
        )

    def delete_model(self, request: HttpRequest, obj: ExchangeRate) -> None:
        catalogue_services.exchange_rate_delete(actor=request.user, rate=obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ExchangeRate]) -> None:
        for rate in queryset:
            catalogue_services.exchange_rate_delete(actor=request.user, rate=rate)


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
