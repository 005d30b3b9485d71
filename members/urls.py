"""HTML routes of members. A member's private pages live under /members/<slug>/… so the
active member is always explicit in the URL."""

from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("members/", views.directory, name="directory"),
    path("members/expertise/", views.expertise, name="expertise"),
    path("members/<slug:slug>/", views.detail, name="detail"),
    path("members/<slug:slug>/workspace/", views.workspace, name="workspace"),
    path("members/<slug:slug>/edit/", views.edit, name="edit"),
    path("members/<slug:slug>/eligibility/", views.eligibility, name="eligibility"),
    path("members/<slug:slug>/staff/invite/", views.invite, name="invite"),
    path("members/<slug:slug>/staff/<int:pk>/remove/", views.staff_remove, name="staff_remove"),
    path(
        "members/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("members/<slug:slug>/manage/", views.manage, name="manage"),
    path("members/<slug:slug>/manage/tier/", views.change_tier, name="change_tier"),
    path("members/<slug:slug>/manage/status/", views.change_status, name="change_status"),
    path("members/<slug:slug>/manage/seats/", views.add_seat, name="add_seat"),
    path("invitations/<uuid:token>/", views.invitation, name="invitation"),
    path("apply/", views.apply, name="apply"),
    path("applications/", views.applications, name="applications"),
    path("applications/<uuid:reference>/", views.application, name="application"),
    path(
        "applications/<uuid:reference>/recommend/",
        views.application_recommend,
        name="application_recommend",
    ),
    path(
        "applications/<uuid:reference>/decide/",
        views.application_decide,
        name="application_decide",
    ),
    path("network/growth/", views.growth, name="growth"),
    path("network/growth.csv", views.growth_csv, name="growth_csv"),
    path("secretariat/members/", views.secretariat_members, name="secretariat_members"),
    path("secretariat/members/export.csv", views.export_csv, name="export_csv"),
    path("secretariat/members/export.xlsx", views.export_xlsx, name="export_xlsx"),
]
