"""API routes of the case library (under /api/v1/): indicators and cases."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api.cases import CaseViewSet, IndicatorViewSet

router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="api-indicator")
router.register("cases", CaseViewSet, basename="api-case")

urlpatterns: list[URLPattern | URLResolver] = list(router.urls)
