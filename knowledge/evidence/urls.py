"""Pages of the evidence: the case library, case and annual-report editing and review, the
member report workspace (included by knowledge/urls.py, namespace ``knowledge``)."""

from django.urls import URLPattern, URLResolver, path, re_path

from knowledge.evidence.views import cases as views
from knowledge.evidence.views import reports

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", views.library, name="case-library"),
    path("cases/export.<str:fmt>", views.export, name="case-export"),
    path("cases/review/", views.queue, name="case-queue"),
    path("cases/history/", views.history, name="case-history"),
    path("cases/import/help/", views.import_help, name="case-import-help"),
    path("cases/import/template.<str:fmt>", views.import_template, name="case-import-template"),
    path("cases/import/<uuid:public_id>/", views.import_job, name="case-import-job"),
    path(
        "cases/import/<uuid:public_id>/status/",
        views.import_job_status,
        name="case-import-status",
    ),
    path("cases/of/<slug:slug>/", views.member_cases, name="member-cases"),
    path("cases/of/<slug:slug>/new/", views.case_new, name="case-new"),
    path("cases/of/<slug:slug>/import/", views.import_cases, name="case-import"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case-detail"),
    path("cases/<uuid:public_id>/edit/", views.case_edit, name="case-edit"),
    re_path(
        r"^cases/(?P<public_id>[0-9a-f-]{36})/(?P<action>submit|approve|return|reopen)/$",
        views.case_action,
        name="case-action",
    ),
    path("cases/<uuid:public_id>/attachments/", views.attachment_add, name="case-attach"),
    path(
        "cases/<uuid:public_id>/attachments/<uuid:attachment_id>/",
        views.attachment_download,
        name="case-attachment",
    ),
    path(
        "cases/<uuid:public_id>/attachments/<uuid:attachment_id>/delete/",
        views.attachment_delete,
        name="case-attachment-delete",
    ),
    path(
        "cases/<uuid:public_id>/attachments/<uuid:attachment_id>/visibility/",
        views.attachment_visibility,
        name="case-attachment-visibility",
    ),
    path("members/<slug:slug>/reports/", reports.workspace, name="report-workspace"),
    path("members/<slug:slug>/reports/new/", reports.report_new, name="report-new"),
    path("members/<slug:slug>/reports/<int:year>/", reports.report_detail, name="report-detail"),
    path("members/<slug:slug>/reports/<int:year>/edit/", reports.report_edit, name="report-edit"),
    path(
        "members/<slug:slug>/reports/<int:year>/<str:action>/",
        reports.report_action,
        name="report-action",
    ),
    path("reports/review/", reports.review_queue, name="report-queue"),
]
