"""Django admin for chapters, countries and coordinators."""

from __future__ import annotations

from django.contrib import admin

from recpnet.admin import HistoryAdmin

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


@admin.register(Coordinator)
class CoordinatorAdmin(HistoryAdmin):
    list_display = ("user", "chapter", "assigned_on")
    list_filter = ("chapter",)
    autocomplete_fields = ("user",)
