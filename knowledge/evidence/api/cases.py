"""API v1: the case library (DESIGN.md "API v1"; the indicators are the catalogue's).

Same rules as the pages: rows come from the selectors (outsiders 404), writes go through the
services (403 for roles that may see but not act, 409 for conflicting transitions, 400 with
the request's field names)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from knowledge.catalogue.models import Indicator
from knowledge.evidence.api.review import ERRORS as REVIEW_ERRORS
from knowledge.evidence.api.review import IF_MATCH, ReviewCommentSerializer, review_act
from knowledge.evidence.models.cases import (
    THEMES,
    Case,
    CaseImpact,
    EnterpriseSize,
    Methodology,
    Visibility,
)
from knowledge.evidence.models.review import ReviewStatus
from knowledge.evidence.selectors import cases as selectors
from knowledge.evidence.services import cases as services
from recpnet.api import (
    ErrorSerializer,
    FigureField,
    ReadForAllWriteAuthenticated,
    ScopedAPIMixin,
    WholeNumberField,
    YearFilter,
)
from recpnet.numbers import plain

# --- cases ----------------------------------------------------------------------------------


class CaseMoneySerializer(serializers.Serializer[Any]):
    amount = FigureField(max_digits=20, decimal_places=2, allow_null=True)
    currency = serializers.CharField(max_length=3, allow_blank=True)
    usd = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True, allow_null=True)


class CaseImpactSerializer(serializers.Serializer[Any]):
    indicator = serializers.CharField(max_length=40)
    value = FigureField(max_digits=24, decimal_places=6)
    unit = serializers.CharField(max_length=20)


class CaseSerializer(serializers.Serializer[Case]):
    """``enterprise_name`` is network-only: left out of responses to everyone else."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    member = serializers.SlugField()
    title = serializers.CharField(max_length=200)
    enterprise_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2)
    sector = serializers.CharField(max_length=3)
    enterprise_size = serializers.ChoiceField(choices=EnterpriseSize.choices)
    year = WholeNumberField()
    themes = serializers.ListField(
        child=serializers.ChoiceField(choices=THEMES), required=False, default=list
    )
    methodology = serializers.ChoiceField(choices=Methodology.choices)
    summary = serializers.CharField()
    options_identified = WholeNumberField(min_value=0, allow_null=True, required=False)
    options_implemented = WholeNumberField(min_value=0, allow_null=True, required=False)
    investment = CaseMoneySerializer(required=False, allow_null=True)
    annual_savings = CaseMoneySerializer(required=False, allow_null=True)
    impacts = CaseImpactSerializer(many=True, required=False)
    enterprises = WholeNumberField(min_value=1, required=False, default=1)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    licence = serializers.CharField(max_length=60, required=False)
    status = serializers.ChoiceField(choices=ReviewStatus.choices, read_only=True)
    version = serializers.IntegerField(read_only=True)

    def to_representation(self, case: Case) -> dict[str, Any]:
        data = {
            "id": str(case.public_id),
            "member": case.member.slug,
            "title": case.title,
            "country": case.country_id,
            "sector": case.sector,
            "enterprise_size": case.enterprise_size,
            "year": case.year,
            "themes": list(case.themes or []),
            "methodology": case.methodology,
            "summary": case.summary,
            "options_identified": case.options_identified,
            "options_implemented": case.options_implemented,
            "investment": _money(case, "investment"),
            "annual_savings": _money(case, "annual_savings"),
            "impacts": [
                impact_representation(
                    indicator=i.indicator,
                    value=i.value,
                    unit=i.unit,
                    stored=i.value_stored,
                )
                for i in case.impacts.all()
            ],
            "enterprises": case.enterprises,
            "visibility": case.visibility,
            "licence": case.licence,
            "status": case.status,
            "version": case.version,
        }
        if self.context.get("network"):
            data["enterprise_name"] = case.enterprise_name
        return data


def _money(case: Case, prefix: str) -> dict[str, Any] | None:
    amount = getattr(case, f"{prefix}_amount")
    if amount is None:
        return None
    usd = getattr(case, f"{prefix}_usd")
    return {
        "amount": plain(amount),
        "currency": getattr(case, f"{prefix}_currency"),
        "usd": plain(usd) if usd is not None else None,
    }


def impact_representation(
    *, indicator: Indicator, value: Any, unit: str, stored: Any
) -> dict[str, Any]:
    """One impact in the API (cases and reports): ``value``/``unit`` as entered, ``stored`` in
    the indicator's unit (USD for money), every number a plain decimal string."""
    return {
        "indicator": indicator.code,
        "value": plain(value),
        "unit": unit,
        # ``None`` while a money figure waits for its exchange rate, as a case's ``usd``.
        "stored": {"value": plain(stored) if stored is not None else None, "unit": indicator.unit},
    }


class CaseFilter(django_filters.FilterSet):
    chapter = django_filters.CharFilter(field_name="country__chapter__slug")
    country = django_filters.CharFilter(method="filter_country")
    sector = django_filters.CharFilter(method="filter_sector")
    enterprise_size = django_filters.ChoiceFilter(choices=EnterpriseSize.choices)
    themes = django_filters.ChoiceFilter(choices=THEMES, method="filter_themes")
    methodology = django_filters.ChoiceFilter(choices=Methodology.choices)
    year = YearFilter()
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    member = django_filters.CharFilter(field_name="member__slug")
    q = django_filters.CharFilter(method="filter_q", label="Full-text search")

    class Meta:
        model = Case
        fields = ("chapter", "country", "sector", "enterprise_size", "methodology", "year")

    def filter_country(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return qs.filter(country_id=value.upper())

    def filter_sector(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return qs.filter(sector__startswith=value.upper())

    def filter_themes(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return qs.filter(themes__icontains=f'"{value}"')

    def filter_q(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return selectors.cases_search(qs, value)


# Service field names → the API's (DESIGN.md "API v1").
_FIELD_NAMES = {
    "version": "If-Match",
    "investment_amount": "investment",
    "investment_currency": "investment",
    "annual_savings_amount": "annual_savings",
    "annual_savings_currency": "annual_savings",
    "__all__": "non_field_errors",
}


def _api_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    detail: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        key = _FIELD_NAMES.get(name, name.split(".", 1)[0])
        detail.setdefault(key, []).extend(messages)
    return exceptions.ValidationError(detail)


def _service_input(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    fields = {
        k: v
        for k, v in data.items()
        if k not in ("member", "investment", "annual_savings", "impacts")
    }
    for prefix in ("investment", "annual_savings"):
        if prefix in data:
            money = data[prefix] or {}
            fields[f"{prefix}_amount"] = money.get("amount")
            fields[f"{prefix}_currency"] = money.get("currency", "")
    impacts = [dict(i) for i in data["impacts"]] if "impacts" in data else None
    return fields, impacts


_ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


@extend_schema_view(
    list=extend_schema(summary="Cases the caller may see (the library for visitors)"),
    retrieve=extend_schema(responses={200: CaseSerializer, 404: ErrorSerializer}),
)
class CaseViewSet(
    ScopedAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Case],
):
    """Cases: visitors see approved public cases; the network approved network-only ones too;
    a member's staff their own drafts; reviewers what was submitted in their chapters."""

    permission_classes = [ReadForAllWriteAuthenticated]
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-f-]{36}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Case]:
        return (
            selectors.cases_visible_to(actor=self.request.user)
            .prefetch_related(
                Prefetch("impacts", queryset=CaseImpact.objects.select_related("indicator"))
            )
            .order_by("-year", "title", "pk")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["network"] = selectors.sees_enterprise_names(actor=self.request.user)
        return context

    def _respond(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        case = self.get_queryset().get(pk=case.pk)
        return Response(self.get_serializer(case).data, status=code)

    def _respond_saved(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        """A saved draft, plus ``warnings``: e.g. an amount whose exchange rate is missing,
        said now rather than only when submitting."""
        response = self._respond(case, code)
        warning = selectors.case_rate_warning(case=case)
        response.data["warnings"] = [warning] if warning else []
        return response

    @extend_schema(request=CaseSerializer, responses={201: CaseSerializer, **_ERRORS})
    def create(self, request: Request) -> Response:
        slug = request.data.get("member") if hasattr(request.data, "get") else None
        if isinstance(slug, str) and slug:
            # The member is the object: 404 for one the caller may not see, 403 for one it
            # sees but does not write for — before any 400 about the rest of the body.
            selectors.member_for_case_writing(actor=request.user, slug=slug)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = selectors.member_for_case_writing(
            actor=request.user, slug=serializer.validated_data["member"]
        )
        fields, impacts = _service_input(serializer.validated_data)
        try:
            case = services.case_create(
                actor=request.user, member=member, fields=fields, impacts=impacts or []
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from None
        return self._respond_saved(case, status.HTTP_201_CREATED)

    @extend_schema(request=CaseSerializer, responses={200: CaseSerializer, **_ERRORS})
    def partial_update(self, request: Request, id: str | None = None) -> Response:
        case = self.get_object()
        services.case_check_can_edit(actor=request.user, case=case)  # 403, 409 before any 400
        serializer = self.get_serializer(case, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "member" in data and data.pop("member") != case.member.slug:
            raise exceptions.ValidationError({"member": ["A case cannot move to another member."]})
        fields, impacts = _service_input(data)
        try:
            case = services.case_update(
                actor=request.user,
                case=case,
                fields=fields,
                impacts=impacts,
                expected_version=request.headers.get("If-Match"),
            )
        except DjangoValidationError as exc:
            raise _api_error(exc) from None
        return self._respond_saved(case)

    def _act(self, request: Request, action_name: str) -> Response:
        case = review_act(request, item=self.get_object(), action=action_name, api_error=_api_error)
        return self._respond(case)

    @extend_schema(
        request=None, parameters=[IF_MATCH], responses={200: CaseSerializer, **REVIEW_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, id: str | None = None) -> Response:
        """Submit a draft or returned case for review (the member's staff)."""
        return self._act(request, "submit")

    @extend_schema(
        request=ReviewCommentSerializer,
        parameters=[IF_MATCH],
        responses={200: CaseSerializer, **REVIEW_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, id: str | None = None) -> Response:
        """Approve a submitted case (coordinators of its chapter, the secretariat)."""
        return self._act(request, "approve")

    @extend_schema(
        request=ReviewCommentSerializer,
        parameters=[IF_MATCH],
        responses={200: CaseSerializer, **REVIEW_ERRORS},
        description="Return a submitted case to the member with a comment (required).",
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, id: str | None = None) -> Response:
        return self._act(request, "return")

    @extend_schema(
        request=ReviewCommentSerializer,
        parameters=[IF_MATCH],
        responses={200: CaseSerializer, **REVIEW_ERRORS},
        description="Reopen an approved case (secretariat; comment required).",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, id: str | None = None) -> Response:
        return self._act(request, "reopen")


__all__ = ["CaseViewSet", "OpenApiResponse"]
