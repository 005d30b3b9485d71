"""Every GET page, sent generated numbers, dates and paging values in its query string and in
the whole-number segments of its path: never a 5xx; a refused value is a 400 that names it.

The pages are those of the isolation test's route tables (tests/isolation/routes_*.py), each
requested as a role that may see it. Which pages read which parameter strictly is in
``STRICT_YEAR``; every other page must shrug off what it does not read (``page`` on a page is
lenient: Django's ``Paginator.get_page`` shows the first or last page).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.isolation.routes import ROLES, Route
from tests.isolation.test_every_route import table

from .inputs import BAD, GOOD, dateish, is_blank, numberish, year_verdict, yearish

FUZZ = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
STRICT = settings(FUZZ, max_examples=25)

# Query parameters any page of the portal reads (numbers, dates, paging, filters and facets).
PARAMS = (
    "page",
    "page_size",
    "year",
    "indicator",
    "scope",
    "format",
    "status",
    "state",
    "q",
    "currency",
    "chapter",
    "country",
    "sector",
    "enterprise_size",
    "theme",
    "methodology",
    "member",
    "tier",
    "organisation_type",
    "effective_on",
)
# Pages that read ``?year=`` through recpnet.bounds.query_year: a malformed or out-of-range
# year is a 400 naming ``year``.
STRICT_YEAR = (
    "knowledge:case-library",
    "knowledge:case-export",
    "knowledge:stats-global",
    "knowledge:stats-chapter",
    "knowledge:stats-country",
    "knowledge:stats-sector",
    "knowledge:stats-tier",
    "knowledge:stats-export",
)
PREFERRED_ROLES = ("secretariat", "staff_a", "admin_a", "coordinator_a", "outsider", "visitor")


def _pages() -> dict[str, Route]:
    return {
        name: route
        for name, route in sorted(table().items())
        if route.method == "get" and not name.startswith("api-")
    }


def _role(route: Route) -> str:
    for role in (*PREFERRED_ROLES, *ROLES):
        if route.status_for(role) == 200:
            return role
    return "visitor"


def _open(client: Any, tenancy: Any, name: str) -> tuple[Route, dict[str, Any]]:
    route = _pages()[name]
    role = _role(route)
    if role != "visitor":
        client.force_login(getattr(tenancy, role))
    return route, route.kwargs(tenancy, route.setup(tenancy))


def _get(client: Any, path: str, query: list[tuple[str, str]]) -> Any:
    url = f"{path}?{urlencode(query)}" if query else path
    return client.get(url)


def _text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", "replace")


def _assert_answer(response: Any, path: str, query: list[tuple[str, str]]) -> None:
    where = f"GET {path}?{urlencode(query)}"
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.status_code == 400:
        body = _text(response)
        assert any(name in body for name, _value in query), f"{where}: 400 names no parameter"


query_items = st.lists(
    st.tuples(st.sampled_from(PARAMS), st.one_of(numberish(), dateish())),
    min_size=1,
    max_size=4,
)
# Always tried, on every page: the values of issue 9 (and the lookalikes of a four-digit year).
EXAMPLES = [
    [("year", "²²²²"), ("page", "²")],
    [("year", "١٢"), ("page_size", "٣")],
    [("year", "２０１５"), ("indicator", "1e400")],
    [("year", "NaN"), ("page", str(10**30)), ("scope", "Infinity")],
    [("page", "-1"), ("page_size", "Infinity"), ("status", "x" * 5000), ("q", "1e400")],
    [("effective_on", "0001-01-01"), ("format", "²"), ("state", "-1")],
]


def run_all(names: list[str], check: Any) -> None:
    """Run ``check(name)`` for each route and fail once, listing every route that failed (a
    failure on one page must not hide another's)."""
    failures: list[str] = []
    for name in names:
        try:
            # Each route's objects live in a savepoint of their own (two rows make a second
            # report of the same year).
            with transaction.atomic():
                check(name)
                transaction.set_rollback(True)
        except Exception as exc:
            notes = "\n".join(getattr(exc, "__notes__", []))
            failures.append(f"{name}: {type(exc).__name__}: {str(exc)[:2000]}\n{notes}")
    assert not failures, "\n\n".join(failures)


def test_page_query_never_errors(client: Any, tenancy: Any) -> None:
    """Every GET page × generated query strings (6 each, plus EXAMPLES)."""

    def check_route(name: str) -> None:
        client.logout()
        _route, kwargs = _open(client, tenancy, name)
        path = reverse(name, kwargs=kwargs)

        @FUZZ
        @given(query=query_items)
        def check(query: list[tuple[str, str]]) -> None:
            _assert_answer(_get(client, path, query), path, query)

        for query in EXAMPLES:
            check = example(query=query)(check)
        check()

    run_all(list(_pages()), check_route)


def test_malformed_year_is_a_400_naming_it(client: Any, tenancy: Any) -> None:
    """The pages that read ``?year=`` strictly × 25 generated years (with a ``page``)."""

    def check_route(name: str) -> None:
        client.logout()
        _route, kwargs = _open(client, tenancy, name)
        path = reverse(name, kwargs=kwargs)

        @STRICT
        @given(year=yearish(), page=st.one_of(st.none(), numberish()))
        def check(year: str, page: str | None) -> None:
            query = [("year", year)] + ([("page", page)] if page is not None else [])
            response = _get(client, path, query)
            _assert_answer(response, path, query)
            kind = year_verdict(year)
            if is_blank(year):
                assert response.status_code == 200, f"{path}?year={year!r}: blank is no filter"
            elif kind == BAD:
                assert response.status_code == 400, f"{path}?year={year!r}: {response.status_code}"
                assert "year" in _text(response)
            elif kind == GOOD:
                assert response.status_code == 200, f"{path}?year={year!r}: {response.status_code}"

        check()

    run_all(list(STRICT_YEAR), check_route)


def _int_segments(name: str) -> list[str]:
    from django.urls import get_resolver

    resolver = get_resolver()
    namespace, _, short = name.rpartition(":")
    if namespace:
        resolver = resolver.namespace_dict[namespace][1]
    possibilities = resolver.reverse_dict.getlist(short)
    names: list[str] = []
    for possibility, _pattern, _defaults, converters in possibilities:
        for key, converter in converters.items():
            if type(converter).__name__ == "IntConverter":
                names.append(key)
        del possibility
    return sorted(set(names))


ROUTES_WITH_INTS = [name for name in sorted(table()) if _int_segments(name)]


def test_whole_number_path_segments_never_error(client: Any, tenancy: Any) -> None:
    """``/members/<slug>/reports/<int:year>/``, ``/reports/<int:pk>/``…: the int converter takes
    any run of ASCII digits, so ``10**30`` reaches the view (and the database)."""

    def check_route(name: str) -> None:
        route = table()[name]
        role = _role(route) if route.method == "get" else "secretariat"
        client.logout()
        if role != "visitor":
            client.force_login(getattr(tenancy, role))
        kwargs = route.kwargs(tenancy, route.setup(tenancy))
        segments = _int_segments(name)
        extra = {"content_type": "application/json"} if route.method != "get" else {}

        @FUZZ
        @given(
            number=st.one_of(
                st.sampled_from([0, 2**15, 2**31, 2**63 - 1, 2**63, 2**64, 10**30, 10**400]),
                st.integers(min_value=0, max_value=10**40),
            ),
            which=st.sampled_from(segments),
        )
        def check(number: int, which: str) -> None:
            path = reverse(name, kwargs={**kwargs, which: number})
            response = getattr(client, route.method)(path, **extra)
            assert response.status_code < 500, (
                f"{route.method.upper()} {path}: {response.status_code}"
            )

        check()

    run_all(ROUTES_WITH_INTS, check_route)
