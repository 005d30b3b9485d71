"""HTML routes of knowledge: the case library and review (urls_cases), reports, dashboards
and the member workspace (urls_reports)."""

from .urls_cases import urlpatterns as case_patterns
from .urls_reports import urlpatterns as report_patterns

app_name = "knowledge"

urlpatterns = [*case_patterns, *report_patterns]
