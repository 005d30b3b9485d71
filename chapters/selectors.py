"""Reads of chapter data. Chapters, countries and coordinators are public (the rulebook,
``policies.py``, says so); the reads still ask it, so that changes there reach every page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from . import policies
from .models import Chapter, Coordinator, Country


def chapters_list(*, actor: Any) -> QuerySet[Chapter]:
    return policies.filter_allowed(
        Chapter.objects.prefetch_related("countries"), actor, "chapter", "view"
    )


def chapters_coordinated_by(*, actor: Any) -> QuerySet[Chapter]:
    """The chapters whose coordinator ``actor`` is (none for anonymous users): the roles'
    source, so it reads the assignments themselves."""
    if not getattr(actor, "is_authenticated", False):
        return Chapter.objects.none()
    return Chapter.objects.filter(coordinators__user=actor)


def country_get(*, code: str) -> Country | None:
    return Country.objects.select_related("chapter").filter(code=code.upper()).first()


def chapter_get(*, slug: str, actor: Any) -> Chapter:
    """The chapter ``slug`` if the actor may see it (any chapter: they are public), else 404."""
    return policies.get(
        Chapter.objects.prefetch_related("countries"), actor, "chapter", "view", slug=slug
    )


def chapter_coordinators(*, chapter: Chapter, actor: Any) -> QuerySet[Coordinator]:
    qs = chapter.coordinators.select_related("user").order_by("user__email")
    return policies.filter_allowed(qs, actor, "coordinator", "view")


def coordinator_get(*, chapter: Chapter, pk: int, actor: Any) -> Coordinator:
    qs = Coordinator.objects.select_related("user").filter(chapter=chapter)
    return policies.get(qs, actor, "coordinator", "view", pk=pk)


def countries_of(*, chapter: Chapter) -> list[Country]:
    return sorted(chapter.countries.all(), key=lambda c: c.name)


def chapters_ordered() -> QuerySet[Chapter]:
    """Chapters in display order, without their countries (filters, table headers)."""
    return Chapter.objects.order_by("position", "name")
