"""HTML routes of knowledge, one module per layer: the catalogue (indicators, exchange rates), the
evidence (cases, reports, review) and the statistics (dashboards)."""

from knowledge.catalogue.urls import urlpatterns as catalogue_patterns
from knowledge.evidence.urls import urlpatterns as evidence_patterns
from knowledge.statistics.urls import urlpatterns as statistics_patterns

app_name = "knowledge"

urlpatterns = [*catalogue_patterns, *evidence_patterns, *statistics_patterns]
