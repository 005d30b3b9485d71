"""API routes of chapters (under /api/v1/)."""

urlpatterns: list = []
