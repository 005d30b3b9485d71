"""API routes of members (under /api/v1/)."""

urlpatterns: list = []
