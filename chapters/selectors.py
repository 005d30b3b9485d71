"""Reads of chapter data."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Chapter, Coordinator, Country


def chapters_list() -> QuerySet[Chapter]:
    return Chapter.objects.prefetch_related("countries")


def chapters_coordinated_by(*, actor: Any) -> QuerySet[Chapter]:
    """The chapters whose coordinator ``actor`` is (none for anonymous users)."""
    if not getattr(actor, "is_authenticated", False):
        return Chapter.objects.none()
    return Chapter.objects.filter(coordinators__user=actor)


def country_get(*, code: str) -> Country | None:
    return Country.objects.select_related("chapter").filter(code=code.upper()).first()


def chapter_get(*, slug: str) -> Chapter:
    """Chapters are public: any slug that exists."""
    return get_object_or_404(Chapter.objects.prefetch_related("countries"), slug=slug)


def chapter_coordinators(*, chapter: Chapter) -> QuerySet[Coordinator]:
    return chapter.coordinators.select_related("user").order_by("user__email")


def coordinator_get(*, chapter: Chapter, pk: int) -> Coordinator:
    return get_object_or_404(Coordinator.objects.select_related("user"), chapter=chapter, pk=pk)


def countries_of(*, chapter: Chapter) -> list[Country]:
    return sorted(chapter.countries.all(), key=lambda c: c.name)


def chapters_ordered() -> QuerySet[Chapter]:
    """Chapters in display order, without their countries (filters, table headers)."""
    return Chapter.objects.order_by("position", "name")
