"""Pages of the statistics: dashboards by scope, drill-down to the items, export, failing slices
(included by knowledge/urls.py, namespace ``knowledge``)."""

from django.urls import URLPattern, URLResolver, path

from knowledge.statistics.views import dashboards, failures

urlpatterns: list[URLPattern | URLResolver] = [
    path("statistics/", dashboards.global_dashboard, name="stats-global"),
    path("statistics/chapters/<slug:slug>/", dashboards.chapter_dashboard, name="stats-chapter"),
    path("statistics/countries/<str:code>/", dashboards.country_dashboard, name="stats-country"),
    path("statistics/sectors/<str:section>/", dashboards.sector_dashboard, name="stats-sector"),
    path("statistics/tiers/<str:tier>/", dashboards.tier_dashboard, name="stats-tier"),
    path("statistics/items/<str:scope>/<int:year>/", dashboards.drilldown, name="stats-items"),
    path("statistics/export.<str:fmt>", dashboards.export, name="stats-export"),
    path("statistics/failures/", failures.failing_slices, name="stats-failures"),
]
