"""The API, sent generated numbers, dates and paging values: never a 5xx; a malformed value is a
400 in the one error format (``{"error": {"status", "code", "message", "fields"}}``) whose
``fields`` name it; a refused write writes nothing.

Reads: ``?page=``, ``?page_size=``, ``?year=`` on every list endpoint, /statistics/ and
/network/growth/. Writes: POST and PATCH of cases (with ``If-Match``), reports and members, and
POST of a member's tier, with every numeric and date field generated as JSON numbers, strings,
``null``, booleans and lists.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from knowledge.evidence.services import reports
from knowledge.models import AnnualReport, Case
from members.models import Member, TierChange
from recpnet import bounds
from tests import factories
from tests.knowledge.cases.helpers import make_case

from .inputs import (
    BAD,
    EITHER,
    GOOD,
    dateish,
    is_blank,
    numberish,
    verdict_date,
    verdict_int,
    year_verdict,
    yearish,
)

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    print_blob=True,
)

# List endpoint → the query parameters it reads strictly (paging: recpnet.permissions.Pagination;
# year: recpnet.api.YearFilter or recpnet.bounds.query_year).
LISTS: dict[str, tuple[str, ...]] = {
    "/api/v1/chapters/": ("page", "page_size"),
    "/api/v1/members/": ("page", "page_size"),
    "/api/v1/indicators/": ("page", "page_size"),
    "/api/v1/cases/": ("page", "page_size", "year"),
    "/api/v1/reports/": ("page", "page_size", "year"),
    "/api/v1/statistics/": ("year",),
    "/api/v1/network/growth/": (),
}
LIMITS = {"page": (1, bounds.PAGE_MAX), "page_size": (1, 500)}


def _headers(user: Any) -> dict[str, str]:
    token_key = factories.api_token(user)
    return {"HTTP_AUTHORIZATION": f"Token {token_key}"}


def _error_fields(response: Any, where: str) -> dict[str, Any]:
    """The one error format; returns its ``fields``."""
    body = response.json()
    assert set(body) == {"error"}, f"{where}: {body}"
    error = body["error"]
    assert error["status"] == response.status_code, where
    assert {"status", "code", "message"} <= set(error) <= {"status", "code", "message", "fields"}
    return error.get("fields") or {}


def _verdict(name: str, raw: str) -> str:
    if is_blank(raw):
        return EITHER  # an empty ``year`` is no filter; an empty ``page`` is refused
    if name == "year":
        return year_verdict(raw)
    low, high = LIMITS[name]
    return verdict_int(raw, minimum=low, maximum=high)


def test_list_paging_and_year(client: Any, tenancy: Any) -> None:
    """Each list endpoint × 25 generated queries, as a visitor and as member staff."""
    make_case(tenancy.member_a)
    headers = {"visitor": {}, "staff_a": _headers(tenancy.staff_a)}
    failures: list[str] = []

    def run(url: str, strict: tuple[str, ...]) -> None:
        @FUZZ
        @given(
            query=st.dictionaries(
                st.sampled_from(["page", "page_size", "year"]), yearish(), min_size=1, max_size=3
            ),
            role=st.sampled_from(sorted(headers)),
        )
        @example(query={"page": "²"}, role="visitor")
        @example(query={"page_size": "²"}, role="visitor")
        @example(query={"page_size": "١٢"}, role="visitor")
        @example(query={"year": "٣"}, role="visitor")
        @example(query={"year": "²²²²"}, role="visitor")
        @example(query={"page": str(10**30)}, role="visitor")
        @example(query={"page_size": "1e400"}, role="visitor")
        @example(query={"year": "NaN", "page": "Infinity"}, role="staff_a")
        def check(query: dict[str, str], role: str) -> None:
            params = {"scope": "global", **query} if "statistics" in url else query
            response = client.get(url, params, **headers[role])
            where = f"GET {url} {query} as {role}"
            assert response.status_code < 500, f"{where}: {response.status_code}"
            verdicts = {name: _verdict(name, raw) for name, raw in query.items() if name in strict}
            bad = {name for name, v in verdicts.items() if v == BAD}
            if bad:
                assert response.status_code == 400, f"{where}: {response.status_code}"
            if response.status_code == 400:
                fields = _error_fields(response, where)
                assert set(fields) & set(query), f"{where}: fields {fields}"
                assert set(fields) <= set(strict), f"{where}: fields {fields}"
                doubtful = {name for name, v in verdicts.items() if v != GOOD}
                assert set(fields) <= doubtful, f"{where}: fields {fields}, doubtful {doubtful}"
            elif all(v == GOOD for v in verdicts.values()):
                ok = (200, 404) if "page" in verdicts else (200,)  # a page past the last: 404
                assert response.status_code in ok, f"{where}: {response.status_code}"

        check()

    for url, strict in LISTS.items():
        try:
            run(url, strict)
        except Exception as exc:
            failures.append(f"{url}: {exc}\n" + "\n".join(getattr(exc, "__notes__", [])))
    assert not failures, "\n\n".join(failures)


# --- writes --------------------------------------------------------------------------------------


def json_numbers() -> st.SearchStrategy[Any]:
    """A JSON value where a number is expected: numbers of any size, numeric text, null,
    booleans, lists and objects."""
    return st.one_of(
        numberish(),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([None, True, False, [], [1], {}, {"value": 1}, 10**30, -1, 0, 1.5]),
    )


def json_dates() -> st.SearchStrategy[Any]:
    return st.one_of(dateish(), st.sampled_from([None, 0, 20200101, True, [], {}]))


def _send(client: Any, method: str, url: str, body: Any, **extra: Any) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **extra)


def _check_write(response: Any, where: str, sent: set[str], bad: set[str], wrote: bool) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if response.status_code >= 400:
        assert not wrote, f"{where}: refused ({response.status_code}) but wrote"
        fields = _error_fields(response, where)
        if response.status_code == 400:
            assert set(fields) & (sent | {"non_field_errors"}), f"{where}: fields {fields}"
    if bad:
        assert response.status_code == 400, f"{where}: bad {bad} got {response.status_code}"
        assert set(_error_fields(response, where)) & sent, where


CASE_BODY = {
    "member": "kncpc",
    "title": "Condensate recovery in a dairy",
    "country": "KE",
    "sector": "C10",
    "enterprise_size": "medium",
    "year": 2015,
    "methodology": "cp_assessment",
    "summary": "Boiler tuning and condensate return.",
}


def _int_bad(raw: Any, minimum: int, maximum: int) -> bool:
    if raw is None or (isinstance(raw, str) and is_blank(raw)):
        return False  # null or blank: "not given" or a plain type error, both 400 or ignored
    if isinstance(raw, bool | list | dict):
        return True
    return verdict_int(raw, minimum=minimum, maximum=maximum) == BAD


@st.composite
def case_bodies(draw: Any) -> tuple[dict[str, Any], set[str], set[str]]:
    """A case body with some numbers generated; returns (body, sent fields, bad fields)."""
    body: dict[str, Any] = dict(CASE_BODY)
    sent: set[str] = set()
    bad: set[str] = set()
    if draw(st.booleans()):
        body["year"] = draw(st.one_of(yearish(), json_numbers()))
        sent.add("year")
        if _int_bad(body["year"], bounds.YEAR_MIN, bounds.year_max()) or body["year"] is None:
            bad.add("year")
    for name, low in (("options_identified", 0), ("options_implemented", 0), ("enterprises", 1)):
        if draw(st.booleans()):
            body[name] = draw(json_numbers())
            sent.add(name)
            if _int_bad(body[name], low, bounds.COUNT_MAX):
                bad.add(name)
    for name in ("investment", "annual_savings"):
        if draw(st.booleans()):
            body[name] = {"amount": draw(json_numbers()), "currency": "USD"}
            sent.add(name)
    if draw(st.booleans()):
        body["impacts"] = [
            {"indicator": "energy_saved", "value": draw(json_numbers()), "unit": "MWh"}
        ]
        sent.add("impacts")
    if not sent:
        body["options_identified"] = draw(json_numbers())
        sent.add("options_identified")
        if _int_bad(body["options_identified"], 0, bounds.COUNT_MAX):
            bad.add("options_identified")
    return body, sent, bad


def test_case_create_and_patch(client: Any, tenancy: Any) -> None:
    headers = _headers(tenancy.staff_a)
    case = make_case(tenancy.member_a)
    detail = f"/api/v1/cases/{case.public_id}/"

    @FUZZ
    @given(body=case_bodies(), method=st.sampled_from(["post", "patch"]))
    @example(body=({**CASE_BODY, "year": "²²²²"}, {"year"}, {"year"}), method="post")
    @example(
        body=({**CASE_BODY, "enterprises": 10**30}, {"enterprises"}, {"enterprises"}),
        method="patch",
    )
    def check(body: tuple[dict[str, Any], set[str], set[str]], method: str) -> None:
        data, sent, bad = body
        before = Case.objects.count()
        case.refresh_from_db()
        version = case.version
        if method == "post":
            response = _send(client, "post", "/api/v1/cases/", data, **headers)
            wrote = Case.objects.count() != before
            assert wrote == (response.status_code == 201), response.status_code
        else:
            patch = {k: v for k, v in data.items() if k in sent}
            response = _send(client, "patch", detail, patch, **headers)
            case.refresh_from_db()
            wrote = case.version != version
        _check_write(response, f"{method.upper()} cases {data}", sent, bad, wrote)

    check()


def test_case_patch_if_match(client: Any, tenancy: Any) -> None:
    headers = _headers(tenancy.staff_a)
    case = make_case(tenancy.member_a)
    url = f"/api/v1/cases/{case.public_id}/"

    @FUZZ
    @given(
        if_match=st.one_of(numberish(), numberish().map(lambda v: f'"{v}"')), title=st.booleans()
    )
    @example(if_match="²", title=True)
    @example(if_match="\xb2", title=False)
    @example(if_match='"١"', title=True)
    @example(if_match=str(10**30), title=True)
    @example(if_match='W/"1"', title=True)
    def check(if_match: str, title: bool) -> None:
        case.refresh_from_db()
        version = case.version
        body = {"title": f"Boiler tuning {version}"} if title else {}
        response = _send(client, "patch", url, body, HTTP_IF_MATCH=if_match, **headers)
        case.refresh_from_db()
        where = f"PATCH {url} If-Match: {if_match!r}"
        raw = if_match.strip('"')
        malformed = (
            not is_blank(raw) and verdict_int(raw, minimum=1, maximum=bounds.COUNT_MAX) == BAD
        )
        _check_write(
            response,
            where,
            {"If-Match"},
            {"If-Match"} if malformed else set(),
            case.version != version,
        )
        if (
            not malformed
            and not is_blank(raw)
            and verdict_int(raw, minimum=1, maximum=bounds.COUNT_MAX) == GOOD
        ):
            expected = 200 if int(raw) == version else 409
            assert response.status_code == expected, f"{where}: {response.status_code}"

    check()


@st.composite
def report_bodies(draw: Any) -> tuple[dict[str, Any], set[str], set[str]]:
    from knowledge.models import ACTIVITY_FIELDS

    body: dict[str, Any] = {}
    sent: set[str] = set()
    bad: set[str] = set()
    names = draw(st.lists(st.sampled_from(ACTIVITY_FIELDS), max_size=3, unique=True))
    if names:
        body["activity"] = {n: draw(json_numbers()) for n in names}
        sent.add("activity")
        if any(_int_bad(v, 0, bounds.COUNT_MAX) for v in body["activity"].values()):
            bad.add("activity")
    if draw(st.booleans()) or not names:
        body["impacts"] = [
            {"indicator": "energy_saved", "value": draw(json_numbers()), "unit": "MWh"},
        ]
        sent.add("impacts")
    if draw(st.booleans()):
        body["version"] = draw(json_numbers())  # not read by the API: must be ignored or refused
        sent.add("version")
    return body, sent, bad


def test_report_create_and_patch(client: Any, tenancy: Any) -> None:
    headers = _headers(tenancy.staff_a)
    draft = reports.report_create(member=tenancy.member_a, year=2014, actor=tenancy.staff_a)
    detail = f"/api/v1/reports/{draft.pk}/"

    @FUZZ
    @given(
        body=report_bodies(),
        year=st.one_of(yearish(), json_numbers()),
        method=st.sampled_from(["post", "patch"]),
    )
    @example(body=({}, set(), set()), year="²²²²", method="post")
    @example(
        body=({"activity": {"people_trained": 10**30}}, {"activity"}, {"activity"}),
        year=2015,
        method="patch",
    )
    def check(body: tuple[dict[str, Any], set[str], set[str]], year: Any, method: str) -> None:
        data, sent, bad = body
        before = list(AnnualReport.objects.values_list("pk", "version"))
        if method == "post":
            data = {**data, "member": tenancy.member_a.slug, "year": year}
            sent = sent | {"year"}
            if _int_bad(year, bounds.YEAR_MIN, bounds.year_max()) or year is None:
                bad = bad | {"year"}
            response = _send(client, "post", "/api/v1/reports/", data, **headers)
        else:
            response = _send(client, "patch", detail, data, **headers)
        after = list(AnnualReport.objects.values_list("pk", "version"))
        where = f"{method.upper()} reports {data}"
        _check_write(response, where, sent, bad, after != before)
        AnnualReport.objects.exclude(pk=draft.pk).delete()

    check()


def test_member_dates_and_numbers(client: Any, tenancy: Any) -> None:
    headers = _headers(tenancy.secretariat)
    names = itertools.count()

    @FUZZ
    @given(
        joined_on=st.one_of(st.none(), json_dates()),
        established=st.one_of(st.none(), json_numbers()),
        method=st.sampled_from(["post", "patch"]),
    )
    @example(joined_on="0001-01-01", established=None, method="post")
    @example(joined_on="9999-12-31", established=None, method="patch")
    @example(joined_on=None, established=10**30, method="patch")
    @example(joined_on=None, established=3000, method="post")  # the page form's max is 2100
    def check(joined_on: Any, established: Any, method: str) -> None:
        data: dict[str, Any] = {}
        sent: set[str] = set()
        bad: set[str] = set()
        if joined_on is not None:
            data["joined_on"] = joined_on
            sent.add("joined_on")
            if not isinstance(joined_on, str) or (
                not is_blank(joined_on) and verdict_date(joined_on) == BAD
            ):
                bad.add("joined_on")
        if established is not None:
            data["established"] = established
            sent.add("established")
            # The page form's range (members.forms.ProfileForm): the API must not take more.
            if _int_bad(established, 1900, 2100):
                bad.add("established")
        member = Member.objects.get(pk=tenancy.member_a.pk)
        before = (Member.objects.count(), member.joined_on, member.established)
        if method == "post":
            body = {
                "name": f"Resource Efficiency Centre {next(names)}",
                "country": "KE",
                "organisation_type": "ncpc",
                **data,
            }
            response = _send(client, "post", "/api/v1/members/", body, **headers)
        else:
            response = _send(client, "patch", f"/api/v1/members/{member.slug}/", data, **headers)
        member.refresh_from_db()
        after = (Member.objects.count(), member.joined_on, member.established)
        _check_write(response, f"{method.upper()} members {data}", sent, bad, after != before)

    check()


def test_member_tier_effective_on(client: Any, tenancy: Any) -> None:
    headers = _headers(tenancy.secretariat)
    url = f"/api/v1/members/{tenancy.member_a.slug}/tier/"

    @FUZZ
    @given(effective_on=json_dates(), tier=st.sampled_from(["observer", "regular", "associate"]))
    @example(effective_on="0001-01-01", tier="regular")
    @example(effective_on="١٩٩٩-٠١-٠١", tier="regular")
    @example(effective_on=20200101, tier="regular")
    def check(effective_on: Any, tier: str) -> None:
        before = TierChange.objects.count()
        body = {"tier": tier, "effective_on": effective_on, "reason": "Merit review"}
        response = _send(client, "post", url, body, **headers)
        wrote = TierChange.objects.count() != before
        bad = set()
        if effective_on is not None and (
            not isinstance(effective_on, str)
            or (not is_blank(effective_on) and verdict_date(effective_on) == BAD)
        ):
            bad.add("effective_on")
        _check_write(response, f"POST {url} {body}", {"effective_on", "tier"}, bad, wrote)

    check()
