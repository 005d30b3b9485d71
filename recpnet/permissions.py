"""API permissions and pagination, kept apart from ``recpnet.api`` because DRF imports its
default permission class while ``rest_framework.views`` is still loading."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from recpnet import bounds


class DenyAll(permissions.BasePermission):
    """The project default: an endpoint that names no permission answers to nobody."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class ReadOnlyForAll(permissions.BasePermission):
    """Safe methods for everyone (anonymous included); the selector decides what is visible."""

    allows_anonymous_read = True

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS


class ReadForAllWriteAuthenticated(permissions.BasePermission):
    """Anyone may read what the selector shows; writes need a logged-in user, and the service
    then checks the user's right to act on that object (403 or 404)."""

    allows_anonymous_read = True

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


class Authenticated(permissions.IsAuthenticated):
    """Any logged-in user; the selector and services narrow from there."""


class Pagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; a malformed ``page`` or ``page_size`` is a
    400 naming the parameter rather than silently ignored."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def _positive_int(self, request: Request, name: str, maximum: int | None = None) -> int | None:
        values = request.query_params.getlist(name)
        if not values:
            return None
        if len(values) > 1:
            raise ValidationError({name: ["Give this parameter once."]})
        try:
            return bounds.parse_int(
                values[0], field=name, minimum=1, maximum=maximum or bounds.PAGE_MAX
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None

    def get_page_size(self, request: Request) -> int:
        size = self._positive_int(request, self.page_size_query_param, self.max_page_size)
        return size or self.page_size

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self._positive_int(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)
