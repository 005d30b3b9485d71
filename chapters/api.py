"""API of chapters (public, read-only)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from recpnet.api import ReadOnlyForAll, ScopedAPIMixin

from . import selectors
from .models import Chapter


class ChapterSerializer(serializers.ModelSerializer[Chapter]):
    countries = serializers.SerializerMethodField(help_text="ISO 3166-1 alpha-2 codes.")

    class Meta:
        model = Chapter
        fields = ("slug", "name", "countries")

    def get_countries(self, obj: Chapter) -> list[str]:
        return sorted(c.code for c in obj.countries.all())


@extend_schema(tags=["chapters"])
class ChapterList(ScopedAPIMixin, generics.ListAPIView[Chapter]):
    """The regional chapters and the countries each covers."""

    permission_classes = [ReadOnlyForAll]
    serializer_class = ChapterSerializer
    filterset_fields = ("slug",)

    def scoped_queryset(self) -> QuerySet[Any]:
        return selectors.chapters_list(actor=self.request.user).order_by("position", "name")
