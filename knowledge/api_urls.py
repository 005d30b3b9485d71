"""API routes of knowledge (under /api/v1/)."""

urlpatterns: list = []
