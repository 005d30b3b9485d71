"""API permissions and pagination, kept apart from ``recpnet.api`` because DRF imports its
default permission class while ``rest_framework.views`` is still loading."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class DenyAll(permissions.BasePermission):
    """The project default: an endpoint that names no permission answers to nobody."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class ReadOnlyForAll(permissions.BasePermission):
    """Safe methods for everyone (anonymous included); the selector decides what is visible."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS


class ReadForAllWriteAuthenticated(permissions.BasePermission):
    """Anyone may read what the selector shows; writes need a logged-in user, and the service
    then checks the user's right to act on that object (403 or 404)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


class Authenticated(permissions.IsAuthenticated):
    """Any logged-in user; the selector and services narrow from there."""


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
