"""API routes of annual reports and statistics (under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from .api import reports, statistics

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", reports.ReportList.as_view(), name="api-report-list"),
    path("reports/<int:pk>/", reports.ReportDetail.as_view(), name="api-report-detail"),
    *[
        path(f"reports/<int:pk>/{name}/", reports.action_view(name), name=f"api-report-{name}")
        for name in ("submit", "approve", "return", "reopen")
    ],
    path("statistics/", statistics.StatisticsView.as_view(), name="api-statistics"),
]
