"""API of members with token auth: lists, detail, edits, tier changes, eligibility, growth —
404 for another tenant's private data, 403 for the wrong role, 400 with field errors."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from members.models import Member, Status, TierChange
from tests import factories

pytestmark = pytest.mark.django_db


def _client(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        token_key = factories.api_token(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    return client


def test_member_list_contract_and_filters(tenancy: Any) -> None:
    body = _client().get("/api/v1/members/").json()
    assert body["count"] == 2
    row = next(r for r in body["results"] if r["slug"] == "kncpc")
    assert {
        "slug",
        "name",
        "country",
        "chapter",
        "organisation_type",
        "tier",
        "status",
        "joined_on",
        "founding",
    } <= set(row)
    assert (row["country"], row["chapter"], row["tier"], row["status"]) == (
        "KE",
        "africa",
        "observer",
        "active",
    )
    assert "contact_email" not in row
    filtered = _client().get("/api/v1/members/?chapter=latin-america-caribbean").json()
    assert [r["slug"] for r in filtered["results"]] == ["cnpml-colombia"]
    assert _client().get("/api/v1/members/?country=ke").json()["count"] == 1


def test_suspended_member_is_private(tenancy: Any) -> None:
    Member.objects.filter(pk=tenancy.member_a.pk).update(status=Status.SUSPENDED)
    url = "/api/v1/members/kncpc/"
    assert _client().get(url).status_code == 404
    assert _client(tenancy.staff_b).get(url).status_code == 404
    assert _client(tenancy.coordinator_b).get(url).status_code == 404
    assert _client(tenancy.outsider).get(url).status_code == 404
    for user in (tenancy.staff_a, tenancy.coordinator_a, tenancy.secretariat):
        assert _client(user).get(url).status_code == 200
    assert (
        _client(tenancy.admin_b).patch(url, {"description": "x"}, format="json").status_code == 404
    )
    slugs = [r["slug"] for r in _client(tenancy.staff_b).get("/api/v1/members/").json()["results"]]
    assert slugs == ["cnpml-colombia"]


def test_patch_member(tenancy: Any) -> None:
    url = "/api/v1/members/kncpc/"
    response = _client(tenancy.admin_a).patch(
        url, {"description": "Profile", "themes": ["water"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (
        _client(tenancy.staff_a).patch(url, {"description": "x"}, format="json").status_code == 403
    )
    assert (
        _client(tenancy.admin_b).patch(url, {"description": "x"}, format="json").status_code == 403
    )
    assert _client(tenancy.admin_a).patch(url, {"name": "New"}, format="json").status_code == 403
    bad = _client(tenancy.admin_a).patch(url, {"themes": ["nope"]}, format="json")
    assert bad.status_code == 400
    assert "themes" in bad.json()["error"]["fields"]
    dup = _client(tenancy.secretariat).patch(
        url, {"name": "centro nacional de producción más limpia de colombia"}, format="json"
    )
    assert dup.status_code == 400
    assert "name" in dup.json()["error"]["fields"]


def test_create_member(tenancy: Any) -> None:
    data = {"name": "Ghana Cleaner Production Centre", "country": "GH", "organisation_type": "ncpc"}
    assert _client(tenancy.admin_a).post("/api/v1/members/", data, format="json").status_code == 403
    response = _client(tenancy.secretariat).post("/api/v1/members/", data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["chapter"] == "africa"
    before = Member.objects.count()
    for payload, field in (
        (data, "name"),
        ({**data, "name": "Other", "slug": "kncpc"}, "slug"),
        ({**data, "name": "Other", "country": "QQ"}, "country"),
    ):
        bad = _client(tenancy.secretariat).post("/api/v1/members/", payload, format="json")
        assert bad.status_code == 400
        assert field in bad.json()["error"]["fields"], bad.json()
    assert Member.objects.count() == before


def test_tier_change_api(tenancy: Any) -> None:
    url = "/api/v1/members/kncpc/tier/"
    payload = {"tier": "associate", "effective_on": "2014-01-01", "reason": "Eligible"}
    assert _client(tenancy.admin_a).post(url, payload, format="json").status_code == 403
    assert _client(tenancy.coordinator_a).post(url, payload, format="json").status_code == 403
    no_reason = _client(tenancy.secretariat).post(url, {**payload, "reason": ""}, format="json")
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["error"]["fields"]
    assert not TierChange.objects.exists()
    ok = _client(tenancy.secretariat).post(url, payload, format="json")
    assert ok.status_code == 201
    assert ok.json()["tier"] == "associate"
    assert ok.json()["actor"] == tenancy.secretariat.email
    again = _client(tenancy.secretariat).post(url, payload, format="json")
    assert again.status_code == 409
    assert (
        _client(tenancy.secretariat)
        .post("/api/v1/members/nope/tier/", payload, format="json")
        .status_code
        == 404
    )


def test_eligibility_api(tenancy: Any) -> None:
    url = "/api/v1/members/kncpc/eligibility/"
    body = _client(tenancy.staff_a).get(url).json()
    assert body["current_tier"] == "observer"
    assert body["next_tier"] == "associate"
    assert [c["code"] for c in body["checks"]] == ["annual_reports", "cases", "years_member"]
    assert _client(tenancy.coordinator_a).get(url).status_code == 200
    assert _client(tenancy.staff_b).get(url).status_code == 404
    assert _client(tenancy.coordinator_b).get(url).status_code == 404


def test_chapters_api(db: None) -> None:
    body = _client().get("/api/v1/chapters/").json()
    africa = next(r for r in body["results"] if r["slug"] == "africa")
    assert set(africa) == {"slug", "name", "countries"}
    assert "KE" in africa["countries"]
    assert body["count"] == 5


def test_growth_api_is_a_list(tenancy: Any) -> None:
    response = _client().get("/api/v1/network/growth/")
    assert response.status_code == 200
    assert isinstance(response.json(), list)


@pytest.mark.parametrize("effective_on", ["0001-01-01", "1989-12-31"])
def test_tier_change_before_1990_is_400_naming_effective_on(
    tenancy: Any, effective_on: str
) -> None:
    response = _client(tenancy.secretariat).post(
        "/api/v1/members/kncpc/tier/",
        {"tier": "associate", "effective_on": effective_on, "reason": "Eligible"},
        format="json",
    )
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["effective_on"]
    assert "1990-01-01" in fields["effective_on"][0]
    assert not TierChange.objects.exists()
