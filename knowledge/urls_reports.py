"""HTML routes of annual reports, the member report workspace and the statistics dashboards."""

from django.urls import URLPattern, URLResolver, path

from .views import dashboards, reports, statistics_failures

urlpatterns: list[URLPattern | URLResolver] = [
    path("statistics/", dashboards.global_dashboard, name="stats-global"),
    path("statistics/chapters/<slug:slug>/", dashboards.chapter_dashboard, name="stats-chapter"),
    path("statistics/countries/<str:code>/", dashboards.country_dashboard, name="stats-country"),
    path("statistics/sectors/<str:section>/", dashboards.sector_dashboard, name="stats-sector"),
    path("statistics/tiers/<str:tier>/", dashboards.tier_dashboard, name="stats-tier"),
    path("statistics/items/<str:scope>/<int:year>/", dashboards.drilldown, name="stats-items"),
    path("statistics/export.<str:fmt>", dashboards.export, name="stats-export"),
    path("statistics/failures/", statistics_failures.failing_slices, name="stats-failures"),
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
