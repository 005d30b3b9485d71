"""``GET /statistics/?scope=&year=&indicator=``: the stored rows, suppressed for the public."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from knowledge.statistics import selectors
from knowledge.statistics.models import Statistic
from recpnet import bounds
from recpnet.api import ErrorSerializer, ReadOnlyForAll, ScopedAPIMixin
from recpnet.numbers import plain

SCOPE_HELP = "global | chapter:<slug> | country:<ISO2> | sector:<ISIC section> | tier:<tier>"

STATISTIC_ROW_FIELDS: dict[str, Any] = {
    "scope": serializers.CharField(),
    "year": serializers.IntegerField(),
    "indicator": serializers.CharField(),
    "unit": serializers.CharField(),
    "total": serializers.DecimalField(max_digits=28, decimal_places=6, allow_null=True),
    "n_items": serializers.IntegerField(),
    "n_enterprises": serializers.IntegerField(),
    "median": serializers.DecimalField(max_digits=28, decimal_places=6, allow_null=True),
    "p25": serializers.DecimalField(max_digits=28, decimal_places=6, allow_null=True),
    "p75": serializers.DecimalField(max_digits=28, decimal_places=6, allow_null=True),
}


def _f(value: Any) -> str | None:
    """A figure as a plain decimal string: exact, and never in exponent notation."""
    return plain(value) if value is not None else None


class StatisticsView(ScopedAPIMixin, APIView):
    """Network statistics rolled up from approved reports and cases. Cells with fewer than 3
    distinct enterprises are suppressed (null) for callers outside the network."""

    permission_classes = [ReadOnlyForAll]

    def scoped_queryset(self) -> Any:  # the rows are public aggregates, suppressed per caller
        return Statistic.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "scope",
                OpenApiTypes.STR,
                description=SCOPE_HELP,
            ),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("indicator", OpenApiTypes.STR),
        ],
        responses={
            200: inline_serializer(
                "Statistics",
                {
                    "as_of": serializers.DateTimeField(allow_null=True),
                    "results": inline_serializer("StatisticRow", STATISTIC_ROW_FIELDS, many=True),
                },
            ),
            400: ErrorSerializer,
        },
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        errors: dict[str, list[str]] = {}
        scope = params.get("scope") or "global"
        try:
            # A well-formed scope naming no chapter, country, sector or tier is bad input too.
            scope = selectors.parse_scope(scope)
            selectors.scope_label(scope)
        except Http404:
            errors["scope"] = [
                "Use global, chapter:<slug>, country:<ISO2>, sector:<ISIC section> or tier:<tier>"
                " naming an existing chapter, country, ISIC section or tier."
            ]
        year = None
        try:
            year = bounds.query_year(params)
        except DjangoValidationError as exc:
            errors.update(exc.message_dict)
        indicator = params.get("indicator") or None
        if indicator is not None and not selectors.is_statistic_indicator(indicator):
            errors["indicator"] = [f"Unknown indicator “{indicator}”: see /api/v1/indicators/."]
        if errors:
            raise ValidationError(errors)
        rows = selectors.statistics_rows(
            actor=request.user, scope=scope, year=year, indicator=indicator
        )
        return Response(
            {
                "as_of": selectors.as_of(scope=scope).at,
                "results": [
                    {
                        "scope": r["scope"],
                        "year": r["year"],
                        "indicator": r["indicator"],
                        "unit": r["unit"],
                        "total": _f(r["total"]),
                        "n_items": r["n_items"],
                        "n_enterprises": r["n_enterprises"],
                        "median": _f(r["median"]),
                        "p25": _f(r["p25"]),
                        "p75": _f(r["p75"]),
                    }
                    for r in rows
                ],
            }
        )
