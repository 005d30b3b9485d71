"""API v1: the common indicator catalogue (DESIGN.md "API v1"), public and read-only."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets

from knowledge.catalogue import selectors
from knowledge.catalogue.models import Indicator
from recpnet.api import ReadOnlyForAll, ScopedAPIMixin


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    class Meta:
        model = Indicator
        fields = ("code", "name", "unit", "category")


class IndicatorViewSet(ScopedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet[Indicator]):
    """The common indicator catalogue."""

    permission_classes = [ReadOnlyForAll]
    serializer_class = IndicatorSerializer
    filterset_fields = ("category",)

    def scoped_queryset(self) -> QuerySet[Indicator]:
        return selectors.indicators_list()


__all__ = ["IndicatorSerializer", "IndicatorViewSet"]
