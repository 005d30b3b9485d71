"""API routes of the evidence (under /api/v1/): cases and annual reports."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from knowledge.evidence.api import reports
from knowledge.evidence.api.cases import CaseViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="api-case")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("reports/", reports.ReportList.as_view(), name="api-report-list"),
    path("reports/<int:pk>/", reports.ReportDetail.as_view(), name="api-report-detail"),
    *[
        path(f"reports/<int:pk>/{name}/", reports.action_view(name), name=f"api-report-{name}")
        for name in ("submit", "approve", "return", "reopen")
    ],
]
