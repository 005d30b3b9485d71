"""API routes of knowledge (under /api/v1/), one module per layer."""

from knowledge.catalogue.api_urls import urlpatterns as catalogue_patterns
from knowledge.evidence.api_urls import urlpatterns as evidence_patterns
from knowledge.statistics.api_urls import urlpatterns as statistics_patterns

urlpatterns = [*catalogue_patterns, *evidence_patterns, *statistics_patterns]
