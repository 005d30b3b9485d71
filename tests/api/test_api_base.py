"""The API base: token log-in, the one error format, deny by default, the schema and docs."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from recpnet.api import ScopedAPIMixin
from tests import factories

# Endpoints that serve no tenant data and so need no selector.
UNSCOPED = {"api-token", "api-schema", "api-docs"}


def _api_views(patterns=None, prefix=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            yield from _api_views(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and prefix.startswith("api/v1/"):
            view = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
            yield p.name, view


def test_every_api_endpoint_is_selector_backed_with_an_explicit_permission() -> None:
    seen = 0
    for name, view in _api_views():
        if name in UNSCOPED:
            continue
        seen += 1
        assert view is not None and issubclass(view, APIView), name
        assert issubclass(view, ScopedAPIMixin), f"{name} must use recpnet.api.ScopedAPIMixin"
        assert "DenyAll" not in {c.__name__ for c in view.permission_classes}, name
    # The walk really found the API (a wrong prefix would check nothing and pass).
    assert seen >= 15, seen


def test_a_view_without_selector_or_permission_cannot_be_defined() -> None:
    from rest_framework import generics

    with pytest.raises(TypeError, match="permission_classes"):

        class NoPermission(ScopedAPIMixin, generics.ListAPIView):
            def scoped_queryset(self):  # pragma: no cover
                raise AssertionError

    with pytest.raises(TypeError, match="scoped_queryset"):

        class NoSelector(ScopedAPIMixin, generics.ListAPIView):
            permission_classes = []


def test_token_for_email_and_password(client, db) -> None:
    user = factories.UserFactory()
    response = client.post(
        "/api/v1/auth/token/",
        {"email": user.email.upper(), "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 64
    assert response.json()["expires"]
    schema = client.get("/api/v1/schema/", HTTP_AUTHORIZATION=f"Token {token}")
    assert schema.status_code == 200


def test_wrong_password_gets_the_error_format(client, db) -> None:
    user = factories.UserFactory()
    response = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "Invalid input.",
            "fields": {"non_field_errors": ["Unable to log in with the email and password given."]},
        }
    }


def test_missing_and_malformed_fields_are_named(client, db) -> None:
    response = client.post(
        "/api/v1/auth/token/", {"email": "not-an-email"}, content_type="application/json"
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"email", "password"}


def test_malformed_json_is_a_400_not_a_500(client, db) -> None:
    response = client.post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_unverified_email_gets_no_token(client, db) -> None:
    user = factories.UserFactory(verified=False)
    response = client.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]


def test_bad_token_is_401_in_the_error_format(client, db) -> None:
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_schema_is_openapi_3_and_docs_use_local_assets(client, db) -> None:
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_malformed_pagination_is_a_400_naming_the_parameter(client, db) -> None:
    for query in ("page_size=abc", "page_size=0", "page=x", "page_size=10&page_size=20"):
        response = client.get(f"/api/v1/chapters/?{query}")
        assert response.status_code == 400, query
        assert set(response.json()["error"]["fields"]) <= {"page", "page_size"}
    assert client.get("/api/v1/chapters/?page_size=2").json()["count"] == 5


def test_unknown_api_path_is_json_404(client, db) -> None:
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_options_is_not_allowed_rather_than_introspected(client, db) -> None:
    response = client.options("/api/v1/chapters/")
    assert response.status_code == 405


def test_nul_bytes_in_a_query_are_a_400_naming_the_parameter(client, db) -> None:
    response = client.get("/api/v1/chapters/?name=a%00b")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "name": ["The value contains a NUL character, which is not allowed."]
    }
    assert client.get("/members/?q=%00").status_code == 400


def test_nul_bytes_in_the_path_are_a_400(client, db) -> None:
    response = client.get("/api/v1/members/a%00b/")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "path": ["The value contains a NUL character, which is not allowed."]
    }
    response = client.get("/statistics/countries/a%00/")
    assert response.status_code == 400
    assert response.content == b"path: The value contains a NUL character, which is not allowed."


def test_token_for_an_account_with_totp_needs_the_current_code(client, db) -> None:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    user = factories.UserFactory()
    secret = factories.enrol_totp(user)

    def ask(**extra):
        return client.post(
            "/api/v1/auth/token/",
            {"email": user.email, "password": factories.PASSWORD, **extra},
            content_type="application/json",
        )

    missing = ask()
    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"code"}
    assert ask(code="000000").status_code in (400,)
    if 30 - time.time() % 30 < 5:  # no drift is allowed: take the code early in its window
        time.sleep(30 - time.time() % 30 + 0.1)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    granted = ask(code=code)
    assert granted.status_code == 200, granted.json()
    assert len(granted.json()["token"]) == 64
    replay = ask(code=code)
    assert replay.status_code == 400  # each code works once
