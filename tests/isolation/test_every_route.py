"""Tenancy is the first invariant: every URL pattern and API route, requested as every role.

The routes are enumerated from the URL configuration; each must have a row in one of the
``routes_*.py`` tables. Third-party route groups (allauth's account pages, the Django admin)
are listed in ``EXCLUDED_PREFIXES`` with the reason.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.isolation import routes as routes_module
from tests.isolation.routes import ROLES, Route

# Routes we do not own: their access rules are the library's and are tested there.
EXCLUDED_PREFIXES = {
    "accounts/": "django-allauth account pages (log-in, sign-up, MFA)",
    "admin/": "Django admin (is_staff users only; log-in goes through allauth)",
    "static/": "static files",
    "media/": "media files are never served directly",
}


# The portal's own pages among allauth's, under its prefix.
OWN_UNDER_EXCLUDED = {"account_tokens"}


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            found += _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            found.append((prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else ""))
    return found


def all_routes() -> list[tuple[str, str]]:
    return [
        (path, name)
        for path, name in _walk(get_resolver().url_patterns)
        if name in OWN_UNDER_EXCLUDED
        or not any(path.startswith(prefix) for prefix in EXCLUDED_PREFIXES)
    ]


def table() -> dict[str, Route]:
    merged: dict[str, Route] = {}
    package = routes_module.__name__.rsplit(".", 1)[0]
    for info in pkgutil.iter_modules([str(Path(routes_module.__file__).parent)]):
        if info.name.startswith("routes_"):
            module = importlib.import_module(f"{package}.{info.name}")
            for key, route in module.ROUTES.items():
                assert key not in merged, f"{key} is in two route tables"
                merged[key] = route
    return merged


def test_every_route_has_expectations() -> None:
    rows = table()
    unnamed = [path for path, name in all_routes() if not name]
    assert not unnamed, f"routes without a name cannot be checked: {unnamed}"
    missing = sorted({name for _, name in all_routes()} - set(rows))
    assert not missing, f"routes with no row in tests/isolation/routes_*.py: {missing}"
    stale = sorted(set(rows) - {name for _, name in all_routes()})
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for key, route in rows.items():
        assert "*" in route.expect or set(ROLES) <= set(route.expect), f"{key}: roles missing"


def _cases() -> list[Any]:
    return [
        pytest.param(name, role, id=f"{name}[{role}]") for name in sorted(table()) for role in ROLES
    ]


@pytest.mark.parametrize(("name", "role"), _cases())
def test_route_as_role(name: str, role: str, client: Any, tenancy: Any) -> None:
    from django.urls import reverse

    route = table()[name]
    ctx = route.setup(tenancy)
    url = reverse(name, kwargs=route.kwargs(tenancy, ctx)) + route.query
    if role != "visitor":
        client.force_login(getattr(tenancy, role))
    request = getattr(client, route.method)
    if route.method == "get":
        response = request(url, **route.extra_headers)
    else:
        data = route.data(tenancy, ctx) if route.data else {}
        response = request(url, data, content_type="application/json", **route.extra_headers)
    expected = route.status_for(role)
    assert response.status_code == expected, (
        f"{route.method.upper()} {url} as {role}: got {response.status_code}, expected {expected}"
    )
