"""Django admin for chapters, countries and coordinators."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Chapter, Coordinator, Country


@admin.register(Chapter)
class ChapterAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Country)
class CountryAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "chapter")
    list_filter = ("chapter",)
    search_fields = ("code",)


@admin.register(Coordinator)
class CoordinatorAdmin(SimpleHistoryAdmin):
    list_display = ("user", "chapter", "assigned_on")
    list_filter = ("chapter",)
    autocomplete_fields = ("user",)
