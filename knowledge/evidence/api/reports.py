"""API of annual reports: ``GET|POST /reports/``, ``GET|PATCH /reports/{id}/`` and the four
review actions. Rows come from ``knowledge.evidence.selectors.reports``; writes go through
services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from knowledge.evidence.api.cases import impact_representation
from knowledge.evidence.api.review import ERRORS as REVIEW_ERRORS
from knowledge.evidence.api.review import IF_MATCH, ReviewCommentSerializer, review_act
from knowledge.evidence.models.reports import ACTIVITY_FIELDS, AnnualReport
from knowledge.evidence.models.review import ReviewStatus
from knowledge.evidence.selectors.reports import (
    member_for_report_writing,
    report_get_for_user,
    report_rate_warning,
    reports_visible_to,
)
from knowledge.evidence.services import reports as services
from recpnet.api import (
    ErrorSerializer,
    FigureField,
    ReadForAllWriteAuthenticated,
    ScopedAPIMixin,
    WholeNumberField,
    YearFilter,
)


class ImpactSerializer(serializers.Serializer[Any]):
    indicator = serializers.CharField()
    value = FigureField(max_digits=24, decimal_places=6)
    unit = serializers.CharField(allow_blank=True, required=False, default="")


def _counter() -> WholeNumberField:
    return WholeNumberField(min_value=0, max_value=services.ACTIVITY_MAX, required=False)


class ActivitySerializer(serializers.Serializer[Any]):
    enterprises_assisted = _counter()
    assessments_completed = _counter()
    people_trained = _counter()
    outreach_events = _counter()
    policy_engagements = _counter()
    options_identified = _counter()
    options_implemented = _counter()


@contextmanager
def _api_field_names() -> Iterator[None]:
    """The service names a bad counter by itself; the API nests counters in ``activity``."""
    try:
        yield
    except DjangoValidationError as exc:
        raise _api_error(exc) from None


def _api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's field errors under the API's field names (see ``_api_field_names``)."""
    if not hasattr(exc, "error_dict"):
        return serializers.ValidationError({"non_field_errors": exc.messages})
    fields: dict[str, Any] = {}
    for name, messages in exc.message_dict.items():
        if name in ACTIVITY_FIELDS:
            fields.setdefault("activity", {})[name] = messages
        elif name == "version":
            fields["If-Match"] = messages
        else:
            fields["non_field_errors" if name == "__all__" else name] = messages
    return serializers.ValidationError(fields)


class ReportSerializer(serializers.Serializer[AnnualReport]):
    id = serializers.IntegerField(read_only=True)
    member = serializers.SlugField()
    year = WholeNumberField()
    activity = ActivitySerializer(required=False)
    impacts = ImpactSerializer(many=True, required=False)
    status = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)

    def to_representation(self, instance: AnnualReport) -> dict[str, Any]:
        return {
            "id": instance.pk,
            "member": instance.member.slug,
            "year": instance.year,
            "activity": {name: getattr(instance, name) for name in ACTIVITY_FIELDS},
            "impacts": [
                impact_representation(
                    indicator=i.indicator,
                    value=i.value,
                    unit=i.unit or i.currency,
                    stored=i.stored_value,
                )
                for i in instance.impacts.all()
            ],
            "status": instance.status,
            "version": instance.version,
        }


class ReportUpdateSerializer(serializers.Serializer[Any]):
    activity = ActivitySerializer(required=False)
    impacts = ImpactSerializer(many=True, required=False)


class ReportFilter(django_filters.FilterSet):
    member = django_filters.CharFilter(field_name="member__slug")
    year = YearFilter()
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)

    class Meta:
        model = AnnualReport
        fields = ("member", "year", "status")


def _saved(report: AnnualReport) -> dict[str, Any]:
    """A saved draft, plus ``warnings``: e.g. a money figure whose exchange rate is missing,
    said now rather than only when submitting."""
    warning = report_rate_warning(report=report)
    return {**ReportSerializer(report).data, "warnings": [warning] if warning else []}


class ReportList(ScopedAPIMixin, generics.ListAPIView[AnnualReport]):
    """Annual reports the caller may see; POST creates a draft for one of the caller's members."""

    permission_classes = [ReadForAllWriteAuthenticated]
    serializer_class = ReportSerializer
    filterset_class = ReportFilter

    def scoped_queryset(self) -> Any:
        return (
            reports_visible_to(actor=self.request.user)
            .prefetch_related("impacts__indicator")
            .order_by("-year", "pk")
        )

    @extend_schema(
        request=ReportSerializer,
        responses={
            201: ReportSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        slug = request.data.get("member") if hasattr(request.data, "get") else None
        if isinstance(slug, str) and slug:
            # The member is the object: 404 for one the caller may not see, 403 for one it
            # sees but does not write for — before any 400 about the rest of the body.
            member_for_report_writing(actor=request.user, slug=slug)
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        member = member_for_report_writing(actor=request.user, slug=v["member"])
        with _api_field_names():
            report = services.report_create(
                member=member,
                year=v["year"],
                actor=request.user,
                activity=dict(v.get("activity") or {}),
                impacts=[dict(i) for i in v.get("impacts") or []],
            )
        return Response(_saved(report), status=status.HTTP_201_CREATED)


class ReportDetail(ScopedAPIMixin, generics.RetrieveAPIView[AnnualReport]):
    """One report; PATCH edits a draft or returned report (its member's staff)."""

    permission_classes = [ReadForAllWriteAuthenticated]
    serializer_class = ReportSerializer

    def scoped_queryset(self) -> Any:
        return reports_visible_to(actor=self.request.user).prefetch_related("impacts__indicator")

    @extend_schema(
        request=ReportUpdateSerializer,
        responses={
            200: ReportSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        report = report_get_for_user(actor=request.user, report_id=pk)
        services.report_check_can_edit(actor=request.user, report=report)  # 403, 409 before 400
        data = ReportUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with _api_field_names():
            report = services.report_update(
                report=report,
                actor=request.user,
                activity=dict(v.get("activity") or {}),
                impacts=[dict(i) for i in v["impacts"]] if "impacts" in v else None,
                expected_version=request.headers.get("If-Match"),
            )
        return Response(_saved(report))


class ReportAction(ScopedAPIMixin, APIView):
    """``POST /reports/{id}/<action>/``: submit, approve, return (comment), reopen (comment)."""

    permission_classes = [ReadForAllWriteAuthenticated]
    action_name = ""

    def scoped_queryset(self) -> Any:
        return reports_visible_to(actor=self.request.user)

    @extend_schema(
        request=ReviewCommentSerializer,
        parameters=[IF_MATCH],
        responses={200: ReportSerializer, **REVIEW_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        report = report_get_for_user(actor=request.user, report_id=pk)
        report = review_act(request, item=report, action=self.action_name, api_error=_api_error)
        return Response(ReportSerializer(report).data)


def action_view(name: str) -> Any:
    view: Any = type(f"Report{name.capitalize()}", (ReportAction,), {"action_name": name})
    return view.as_view()
