"""API routes of the catalogue (under /api/v1/): the indicators."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from knowledge.catalogue.api import IndicatorViewSet

router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="api-indicator")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
