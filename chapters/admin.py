"""Django admin for chapters, countries and coordinators."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from recpnet import events
from recpnet.admin import HistoryAdmin

from . import policies
from .events import CountryChapterChanged
from .models import Chapter, Coordinator, Country


@admin.register(Chapter)
class ChapterAdmin(HistoryAdmin):
    list_display = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Country)
class CountryAdmin(HistoryAdmin):
    list_display = ("code", "name", "chapter")
    list_filter = ("chapter",)
    search_fields = ("code",)

    def save_model(self, request: HttpRequest, obj: Country, form: Any, change: bool) -> None:
        old = Country.objects.filter(pk=obj.pk).values_list("chapter__slug", flat=True).first()
        super().save_model(request, obj, form, change)
        new = obj.chapter.slug
        if old != new:
            # As chapters.services.country_assign: the statistics restate both chapters' years
            # (the admin saves inside a transaction).
            events.publish(
                CountryChapterChanged(country=obj.code, old_chapter=old or "", new_chapter=new)
            )


@admin.register(Coordinator)
class CoordinatorAdmin(HistoryAdmin):
    list_display = ("user", "chapter", "assigned_on")
    list_filter = ("chapter",)
    autocomplete_fields = ("user",)

    def save_model(self, request: HttpRequest, obj: Coordinator, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Allowed, but the secretariat must know whom this coordinator cannot review.
        for warning in policies.coordinator_conflict_warnings(
            user=obj.user, chapter_id=obj.chapter_id
        ):
            messages.warning(request, warning)
