"""The OpenAPI schema generator: drf-spectacular's, taught the project's permission classes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import permissions


class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """``Authorization: Token <key>`` (recpnet.auth; issued and revoked at /api/v1/auth/token/)."""

    target_class = "recpnet.auth.TokenAuthentication"
    match_subclasses = True
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106 - the scheme's name, not a secret
        )
        definition["description"] = (
            "A token from POST /api/v1/auth/token/: expires, revocable; see that operation."
        )
        return definition


class SessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The web session (with its CSRF token for writes)."""

    target_class = "recpnet.auth.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class AutoSchema(SpectacularAutoSchema):
    def get_auth(self) -> list[Any]:
        """Endpoints whose permission lets anonymous callers read declare optional auth (``{}``),
        so clients and fuzzers know that no credentials is a valid way to call them."""
        auths = super().get_auth()
        if {} in auths:
            return auths
        anonymous_read = any(
            getattr(p, "allows_anonymous_read", False) for p in self.view.get_permissions()
        )
        if anonymous_read and self.method in permissions.SAFE_METHODS:
            auths.append({})
        return auths


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
            "required": ["status", "code", "message"],
        }
    },
    "required": ["error"],
}

_ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `fields` names each bad field.",
    "401": "Missing or invalid credentials.",
    "403": "Your role may see this but not do it.",
    "404": "Not found (or not yours: the same answer).",
    "409": "The item's state does not allow this now (e.g. approved already).",
    "429": "Too many requests: slow down.",
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: every operation documents the one error format for the errors any
    endpoint can give (bad input, credentials, role, tenancy, throttling) and, for writes, 409."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400", "401", "403", "404", "429"]
            if method in ("post", "put", "patch", "delete"):
                codes.append("409")
            for code in codes:
                operation["responses"].setdefault(
                    code,
                    {
                        "description": _ERROR_DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result
