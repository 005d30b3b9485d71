"""API routes of knowledge (under /api/v1/)."""

from .api_urls_cases import urlpatterns as case_patterns
from .api_urls_reports import urlpatterns as report_patterns

urlpatterns = [*case_patterns, *report_patterns]
