"""Reads of chapter data."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Chapter, Country


def chapters_list() -> QuerySet[Chapter]:
    return Chapter.objects.prefetch_related("countries")


def chapters_coordinated_by(*, actor: Any) -> QuerySet[Chapter]:
    """The chapters whose coordinator ``actor`` is (none for anonymous users)."""
    if not getattr(actor, "is_authenticated", False):
        return Chapter.objects.none()
    return Chapter.objects.filter(coordinators__user=actor)


def country_get(*, code: str) -> Country | None:
    return Country.objects.select_related("chapter").filter(code=code.upper()).first()
