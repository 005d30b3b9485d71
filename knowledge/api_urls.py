"""API routes of knowledge (under /api/v1/), one module per layer."""

from knowledge.evidence.api_urls import urlpatterns as evidence_patterns
from knowledge.statistics.api_urls import urlpatterns as statistics_patterns

urlpatterns = [*evidence_patterns, *statistics_patterns]
