"""API of members: the directory as data, member records, tier changes, eligibility and growth.

Every queryset comes from a selector given the acting user; every write goes through a service,
which checks the actor's right (403) after the selector has hidden what they may not see (404).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from recpnet import bounds
from recpnet.api import (
    Authenticated,
    ErrorSerializer,
    ReadForAllWriteAuthenticated,
    ReadOnlyForAll,
    ScopedAPIMixin,
    WholeNumberField,
)

from . import policies, selectors, services
from .growth import network_growth
from .models import Member, OrganisationType, Status, Tier, TierChange
from .themes import THEMES

ERRORS_READ = {404: OpenApiResponse(ErrorSerializer, description="Not found (or not yours).")}
ERRORS_WRITE = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input, with field errors."),
    401: OpenApiResponse(ErrorSerializer, description="Not logged in."),
    403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
    404: OpenApiResponse(ErrorSerializer, description="Not found (or not yours)."),
    409: OpenApiResponse(ErrorSerializer, description="Conflicts with the current state."),
}


class MemberSerializer(serializers.Serializer[Member]):
    slug = serializers.SlugField(max_length=60, required=False)
    name = serializers.CharField(max_length=200)
    country = serializers.CharField(
        source="country_id", max_length=2, help_text="ISO 3166-1 alpha-2 code."
    )
    chapter = serializers.CharField(
        source="country.chapter.slug", read_only=True, help_text="Slug of the chapter."
    )
    organisation_type = serializers.ChoiceField(choices=OrganisationType.choices)
    tier = serializers.ChoiceField(
        choices=Tier.choices,
        required=False,
        help_text="Initial tier on creation; change it later with POST …/tier/.",
    )
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    joined_on = serializers.DateField(required=False, allow_null=True)
    founding = serializers.BooleanField(required=False)
    website = serializers.URLField(required=False, allow_blank=True)
    established = WholeNumberField(
        required=False, allow_null=True, min_value=bounds.ESTABLISHED_MIN
    )
    description = serializers.CharField(required=False, allow_blank=True)
    themes = serializers.ListField(child=serializers.ChoiceField(choices=THEMES), required=False)
    sectors = serializers.ListField(child=serializers.CharField(max_length=4), required=False)
    services = serializers.CharField(required=False, allow_blank=True)


class MemberUpdateSerializer(MemberSerializer):
    tier = serializers.ChoiceField(choices=Tier.choices, read_only=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


def _service_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "country_id" in data:
        data["country"] = data.pop("country_id")
    return data


class MemberFilter(django_filters.FilterSet):
    chapter = django_filters.CharFilter(field_name="country__chapter__slug")
    country = django_filters.CharFilter(field_name="country__code", method="filter_country")
    tier = django_filters.ChoiceFilter(choices=Tier.choices)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    organisation_type = django_filters.ChoiceFilter(choices=OrganisationType.choices)
    founding = django_filters.BooleanFilter()

    class Meta:
        model = Member
        fields = ("chapter", "country", "tier", "status", "organisation_type", "founding")

    def filter_country(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        return queryset.filter(country_id=value.upper())


@extend_schema_view(
    get=extend_schema(summary="Members visible to you (active members for everyone)."),
    post=extend_schema(
        summary="Record a member (secretariat).",
        request=MemberSerializer,
        responses={201: MemberSerializer, **ERRORS_WRITE},
    ),
)
@extend_schema(tags=["members"])
class MemberList(ScopedAPIMixin, generics.ListCreateAPIView[Member]):
    permission_classes = [ReadForAllWriteAuthenticated]
    serializer_class = MemberSerializer
    filterset_class = MemberFilter

    def scoped_queryset(self) -> QuerySet[Any]:
        return selectors.members_visible_to(actor=self.request.user).order_by("name")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.member_create(
            actor=request.user, **_service_kwargs(serializer.validated_data)
        )
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="One member.", responses={200: MemberSerializer, **ERRORS_READ}),
    patch=extend_schema(
        summary="Edit a member (its admins: profile; the secretariat: also name, country, type).",
        request=MemberUpdateSerializer,
        responses={200: MemberSerializer, **ERRORS_WRITE},
    ),
)
@extend_schema(tags=["members"])
class MemberDetail(ScopedAPIMixin, generics.RetrieveUpdateAPIView[Member]):
    permission_classes = [ReadForAllWriteAuthenticated]
    serializer_class = MemberSerializer
    lookup_field = "slug"
    http_method_names = ["get", "patch", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Any]:
        return selectors.members_visible_to(actor=self.request.user)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        member = self.get_object()
        policies.require(request.user, "member", "edit", member)
        serializer = MemberUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        member = services.member_update(
            actor=request.user, member=member, **_service_kwargs(serializer.validated_data)
        )
        return Response(MemberSerializer(member).data)


class TierChangeSerializer(serializers.ModelSerializer[TierChange]):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = TierChange
        fields = ("tier", "effective_on", "reason", "actor", "recorded_at")

    def get_actor(self, obj: TierChange) -> str | None:
        return obj.actor.email if obj.actor else None


class TierChangeRequestSerializer(serializers.Serializer[Any]):
    tier = serializers.ChoiceField(choices=Tier.choices)
    effective_on = serializers.DateField(
        required=False, allow_null=True, help_text="Defaults to today; earlier dates back-date."
    )
    reason = serializers.CharField(allow_blank=True)


@extend_schema(
    tags=["members"],
    summary="Promote or demote a member (secretariat), with a reason.",
    request=TierChangeRequestSerializer,
    responses={201: TierChangeSerializer, **ERRORS_WRITE},
)
class MemberTier(ScopedAPIMixin, generics.GenericAPIView[Member]):
    permission_classes = [Authenticated]
    serializer_class = TierChangeRequestSerializer
    lookup_field = "slug"

    def scoped_queryset(self) -> QuerySet[Any]:
        return selectors.members_visible_to(actor=self.request.user)

    def post(self, request: Request, slug: str) -> Response:
        member = self.get_object()
        policies.require(request.user, "member", "manage", member)  # 403 before 400
        data = TierChangeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.member_change_tier(
            actor=request.user,
            member=member,
            tier=data.validated_data["tier"],
            effective_on=data.validated_data.get("effective_on"),
            reason=data.validated_data["reason"],
        )
        return Response(TierChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class CheckSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    # Output keys that shadow Field attributes: declared fields are popped by the metaclass.
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.IntegerField()  # type: ignore[assignment]
    actual = serializers.IntegerField()
    met = serializers.BooleanField()


class EligibilitySerializer(serializers.Serializer[Any]):
    member = serializers.CharField(source="member.slug")
    current_tier = serializers.ChoiceField(choices=Tier.choices)
    next_tier = serializers.ChoiceField(choices=Tier.choices, allow_null=True)
    eligible = serializers.BooleanField()
    checks = CheckSerializer(many=True)


@extend_schema(
    tags=["members"],
    summary="The merit checklist for the member's next tier (its staff, its coordinators, the "
    "secretariat).",
    responses={200: EligibilitySerializer, **ERRORS_READ},
)
class MemberEligibility(ScopedAPIMixin, generics.GenericAPIView[Member]):
    permission_classes = [Authenticated]
    serializer_class = EligibilitySerializer

    def scoped_queryset(self) -> QuerySet[Any]:
        return selectors.members_visible_to(actor=self.request.user)

    def get(self, request: Request, slug: str) -> Response:
        member = selectors.member_private_get(actor=request.user, slug=slug)
        return Response(EligibilitySerializer(selectors.member_eligibility(member=member)).data)


class GrowthSerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField()
    members = serializers.IntegerField(help_text="Active members on 31 December.")
    countries = serializers.IntegerField(help_text="Countries with at least one member.")
    by_tier = serializers.DictField(child=serializers.IntegerField())
    by_chapter = serializers.DictField(child=serializers.IntegerField())
    by_type = serializers.DictField(child=serializers.IntegerField())
    joined = serializers.IntegerField()
    lapsed = serializers.IntegerField()
    active_contributors = serializers.IntegerField(
        help_text="Members with an approved annual report for that year."
    )


@extend_schema(
    tags=["network"],
    summary="Network growth by year, as of 31 December, from the dated tier and status history.",
    responses={200: GrowthSerializer(many=True)},
)
class NetworkGrowth(ScopedAPIMixin, generics.GenericAPIView[Member]):
    """Public aggregate figures; the scoped queryset is the public directory (unused for the
    aggregates, which count every member's dated history and reveal no private field)."""

    permission_classes = [ReadOnlyForAll]
    serializer_class = GrowthSerializer
    pagination_class = None

    def scoped_queryset(self) -> QuerySet[Any]:
        return selectors.members_visible_to(actor=self.request.user)

    def get(self, request: Request) -> Response:
        return Response(GrowthSerializer(network_growth(), many=True).data)
