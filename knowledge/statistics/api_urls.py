"""API routes of the statistics (under /api/v1/)."""

from django.urls import URLPattern, URLResolver, path

from knowledge.statistics.api import StatisticsView

urlpatterns: list[URLPattern | URLResolver] = [
    path("statistics/", StatisticsView.as_view(), name="api-statistics"),
]
