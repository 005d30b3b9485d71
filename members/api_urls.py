"""API routes of members (under /api/v1/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("members/", api.MemberList.as_view(), name="api-members"),
    path("members/<slug:slug>/", api.MemberDetail.as_view(), name="api-member"),
    path("members/<slug:slug>/tier/", api.MemberTier.as_view(), name="api-member-tier"),
    path(
        "members/<slug:slug>/eligibility/",
        api.MemberEligibility.as_view(),
        name="api-member-eligibility",
    ),
    path("network/growth/", api.NetworkGrowth.as_view(), name="api-network-growth"),
]
