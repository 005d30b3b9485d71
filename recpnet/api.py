"""API base classes shared by every app: deny-by-default permission, the selector-backed
queryset hook, one JSON error format, pagination, and token log-in (:mod:`recpnet.tokens`;
authentication and its second-factor rule in :mod:`recpnet.auth`).

Error format (every non-2xx answer)::

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"name": ["…"]}}}

``fields`` is present only for field errors; keys are the request's field names
(``non_field_errors`` for errors about the whole object).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from recpnet import bounds
from recpnet.addresses import client_address
from recpnet.exceptions import ConflictError
from recpnet.permissions import (  # noqa: F401 - re-exported for endpoints
    Authenticated,
    DenyAll,
    Pagination,
    ReadForAllWriteAuthenticated,
    ReadOnlyForAll,
)


class ScopedAPIMixin(GenericAPIView):  # type: ignore[type-arg]
    """Every API view over tenant data gets its rows from a selector that takes the acting user.

    Subclasses set ``permission_classes`` explicitly and implement ``scoped_queryset``; a class
    that does neither cannot even be defined (checked in ``__init_subclass__``) and the isolation
    test walks every route for every role.
    """

    abstract: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        if not any(
            "permission_classes" in vars(k)
            for k in cls.__mro__
            if k not in (APIView, ScopedAPIMixin)
        ):
            raise TypeError(f"{cls.__name__} must set permission_classes explicitly")
        if getattr(cls, "scoped_queryset", None) is ScopedAPIMixin.scoped_queryset:
            raise TypeError(f"{cls.__name__} must implement scoped_queryset(actor) via a selector")

    def scoped_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.scoped_queryset()


class WholeNumberField(serializers.IntegerField):
    """A whole number read as on the pages (:func:`recpnet.bounds.read_int`: DRF's own field
    would take "١٢" and "12.0"). Its range is the service's, which reports every bad field of
    a request at once; ``min_value``/``max_value`` here only document it in the schema."""

    def to_internal_value(self, data: Any) -> int:
        try:
            return bounds.read_int(data, field=self.field_name or "value")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def run_validators(self, value: Any) -> None:
        return None  # the range is the service's (see the class docstring)


class FigureField(serializers.DecimalField):
    """A figure as entered, read by :func:`recpnet.bounds.read_decimal` (no exponent, no
    decimal comma). Its range and decimal places are the service's (refused, never rounded);
    ``max_digits``/``decimal_places`` here only document it in the schema."""

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return bounds.read_decimal(data, field=self.field_name or "value")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def run_validators(self, value: Any) -> None:
        return None


class YearFilter(django_filters.NumberFilter):
    """A year within the declared range of :mod:`recpnet.bounds` (``?year=0.5`` or
    ``?year=²`` is a 400 naming ``year``, never an empty page or a crash)."""

    field_class = bounds.YearFormField


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {str(k): _field_errors_list(v) for k, v in detail.items()}
    return {"non_field_errors": _field_errors_list(detail)}


def _field_errors_list(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _field_errors_list(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return [_field_errors_list(v) for v in value]
        return [str(v) for v in value]
    return [str(value)]


def _body(status_code: int, code: str, message: str, fields: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain and framework exceptions onto the one error format."""
    if isinstance(exc, ConflictError):
        return Response(_body(409, exc.code, exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = {
                ("non_field_errors" if k == "__all__" else k): v
                for k, v in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body(
            response.status_code, "invalid", "Invalid input.", _field_errors(exc.detail)
        )
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = _body(response.status_code, code, str(exc.detail))
    return response


ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "status": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(required=False),
            },
        )
    },
)


class TokenThrottle(AnonRateThrottle):
    """Log-in attempts per client address (:func:`recpnet.addresses.client_address`, the same
    address as allauth's limits and the security log); only POSTs count."""

    scope = "token"

    def get_ident(self, request: Request) -> str:
        return client_address(request._request) or "unknown"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class TokenRequestSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        help_text="The current code from the authenticator app (or an unused recovery code), "
        "for accounts that use two-factor authentication.",
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="What the token is for (a device or a script); shown on the account's "
        "security page.",
    )


TOKEN_LIFECYCLE = """A token is one log-in: the same limits as the log-in page apply (failed
attempts per account and per address, and per account for authenticator codes; the sixth
failure within five minutes locks the account for both), and coordinators and the secretariat
must give their authenticator code. The key is shown once and stored only as a hash. It
expires (`expires`, UTC) and is listed on the account's security page (`/accounts/tokens/`),
where it can be revoked; `DELETE /api/v1/auth/token/` revokes the token that authenticates
the call. Every token of an account is revoked when its password, email address or two-factor
settings change, when one of its roles (a staff membership, a coordinator assignment, the
secretariat flag) is removed or changed, or when the account is deactivated. Send it as
`Authorization: Token <key>`."""  # noqa: S105 - documentation, not a secret


class TokenView(APIView):
    """Exchange an email and password (and authenticator code) for an API token, or revoke the
    token that authenticates the call."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenThrottle]

    def get_authenticators(self) -> list[Any]:
        # Issuing reads no session (no CSRF dance for a log-in call); revoking reads the token
        # being revoked, and a holder may always give one up.
        from recpnet.auth import RevocationTokenAuthentication

        if getattr(self.request, "method", None) == "DELETE":
            return [RevocationTokenAuthentication()]
        return []

    @extend_schema(
        summary="Issue an API token (log in)",
        description=TOKEN_LIFECYCLE,
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {
                    "token": serializers.CharField(help_text="Shown this once."),
                    "expires": serializers.DateTimeField(),
                    "name": serializers.CharField(),
                },
            ),
            400: ErrorSerializer,
            403: ErrorSerializer,
            429: ErrorSerializer,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        from recpnet.tokens import TooManyAttempts, token_issue

        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token, key = token_issue(
                request=request._request,
                email=data.validated_data["email"],
                password=data.validated_data["password"],
                code=data.validated_data.get("code", ""),
                name=data.validated_data.get("name", ""),
            )
        except TooManyAttempts as exc:
            raise exceptions.Throttled(detail=exc.message) from None
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc), code="mfa_required") from None
        return Response({"token": key, "expires": token.expiry, "name": token.name})

    @extend_schema(
        summary="Revoke this API token (log out)",
        description="Revokes the token given in the `Authorization` header. " + TOKEN_LIFECYCLE,
        request=None,
        responses={204: None, 401: ErrorSerializer},
        auth=[{"tokenAuth": []}],  # type: ignore[list-item]  # an OpenAPI security list
    )
    def delete(self, request: Request) -> Response:
        from recpnet.models import ApiToken
        from recpnet.tokens import token_revoke

        if not isinstance(request.auth, ApiToken):
            raise exceptions.NotAuthenticated()
        token_revoke(request=request._request, actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
