"""API routes of chapters (under /api/v1/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("chapters/", api.ChapterList.as_view(), name="api-chapters"),
]
