"""HTML routes of knowledge, one module per layer: the evidence (cases, reports, review) and the
statistics (dashboards)."""

from knowledge.evidence.urls import urlpatterns as evidence_patterns
from knowledge.statistics.urls import urlpatterns as statistics_patterns

app_name = "knowledge"

urlpatterns = [*evidence_patterns, *statistics_patterns]
