"""The API side of the review machinery: the four actions of every reviewed type
(``POST …/{id}/submit|approve|return|reopen/``) go through :func:`review_act`.

The answers are the pages' (``views/review.py``): ``Http404`` → 404, ``PermissionDenied`` → 403
with its message, ``ConflictError`` → 409 (all three by ``recpnet.api.exception_handler``, the
API's one error format), ``ValidationError`` → 400 with the field named as in the request
(``comment``, ``If-Match`` for the version, or the type's fields on submit, by the type's own
``api_error``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request

from knowledge.evidence import review
from recpnet.api import ErrorSerializer


class ReviewCommentSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to return or reopen: it is sent to the member.",
    )


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The item's version the action is based on; a stale one is a 409.",
)

ERRORS = {
    400: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
}


def review_act(
    request: Request,
    *,
    item: Any,
    action: str,
    api_error: Callable[[DjangoValidationError], Exception],
) -> Any:
    """Take ``action`` on ``item`` (found for ``request.user`` by the type's selector) with the
    request's ``comment`` and ``If-Match``; returns the item as it is now. ``api_error`` turns
    the service's field errors into the endpoint's field names."""
    body = ReviewCommentSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        return review.act(
            item=item,
            action=action,
            actor=request.user,
            comment=body.validated_data["comment"],
            expected_version=request.headers.get("If-Match"),
        )
    except DjangoValidationError as exc:
        raise api_error(exc) from None
