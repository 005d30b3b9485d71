"""API v1 for cases and indicators: contract fields, rules and errors as on the pages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from knowledge.models import ReviewStatus
from tests.knowledge.cases.helpers import eur_2014, make_case

pytestmark = pytest.mark.django_db

CONTRACT = {
    "id",
    "member",
    "title",
    "country",
    "sector",
    "enterprise_size",
    "year",
    "themes",
    "methodology",
    "summary",
    "options_identified",
    "options_implemented",
    "investment",
    "annual_savings",
    "impacts",
    "visibility",
    "status",
}
PAYLOAD = {
    "member": "kncpc",
    "title": "Chemical leasing in a bottling plant",
    "enterprise_name": "Bottler Ltd",
    "country": "KE",
    "sector": "C11",
    "enterprise_size": "large",
    "year": 2014,
    "themes": ["chemicals"],
    "methodology": "chemical_leasing",
    "summary": "Paid per running hour.",
    "options_identified": 2,
    "options_implemented": 1,
    "annual_savings": {"amount": "5700", "currency": "EUR"},
    "impacts": [
        {"indicator": "materials_saved", "value": "1.8", "unit": "t"},
        {"indicator": "water_saved", "value": "1500", "unit": "m3"},
    ],
    "visibility": "public",
}


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_indicators() -> None:
    data = client_for().get("/api/v1/indicators/").json()
    assert {"count", "next", "previous", "results"} <= set(data)
    energy = next(r for r in data["results"] if r["code"] == "energy_saved")
    assert energy == {
        "code": "energy_saved",
        "name": "Energy saved",
        "unit": "MWh/yr",
        "category": "impact",
    }


def test_create_submit_return_resubmit_approve(tenancy) -> None:
    eur_2014()
    staff = client_for(tenancy.staff_a)
    response = staff.post("/api/v1/cases/", PAYLOAD, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= CONTRACT
    assert body["annual_savings"] == {"amount": "5700", "currency": "EUR", "usd": "7572.45"}
    assert body["status"] == "draft"
    assert body["enterprise_name"] == "Bottler Ltd"
    url = f"/api/v1/cases/{body['id']}/"

    assert staff.post(url + "submit/").json()["status"] == "submitted"
    coordinator = client_for(tenancy.coordinator_a)
    bad = coordinator.post(url + "return/", {}, format="json")
    assert bad.status_code == 400
    assert "comment" in bad.json()["error"]["fields"]
    assert (
        coordinator.post(url + "return/", {"comment": "Year?"}, format="json").json()["status"]
        == "returned"
    )
    patched = staff.patch(url, {"year": 2014, "summary": "Fixed."}, format="json")
    assert patched.status_code == 200 and patched.json()["summary"] == "Fixed."
    staff.post(url + "submit/")
    assert coordinator.post(url + "approve/").json()["status"] == "approved"
    again = client_for(tenancy.secretariat).post(url + "approve/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    locked = staff.patch(url, {"title": "Changed"}, format="json")
    assert locked.status_code == 409

    public = client_for().get(url).json()
    assert "enterprise_name" not in public
    assert public["title"] == PAYLOAD["title"]
    assert "Bottler" not in str(client_for().get("/api/v1/cases/").json())


def test_field_errors_use_api_names(tenancy) -> None:
    staff = client_for(tenancy.staff_a)
    payload = {
        **PAYLOAD,
        "options_implemented": 5,
        "investment": {"amount": "-1", "currency": "USD"},
        "impacts": [{"indicator": "water_saved", "value": "5", "unit": "kWh"}],
    }
    response = staff.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"options_implemented", "investment", "impacts"} <= set(fields)


def test_missing_rate_at_submission_is_400_on_the_money_field(tenancy) -> None:
    staff = client_for(tenancy.staff_a)
    body = staff.post("/api/v1/cases/", PAYLOAD, format="json").json()  # no EUR 2014 rate
    response = staff.post(f"/api/v1/cases/{body['id']}/submit/")
    assert response.status_code == 400
    assert "annual_savings" in response.json()["error"]["fields"]


def test_another_tenant_and_outsider(tenancy) -> None:
    draft_b = make_case(tenancy.member_b)
    url = f"/api/v1/cases/{draft_b.public_id}/"
    for user in (tenancy.staff_a, tenancy.coordinator_b, tenancy.secretariat, tenancy.outsider):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).patch(url, {"title": "x"}, format="json").status_code == 404
    assert client_for(tenancy.staff_b).get(url).status_code == 200
    # Writing for another member: the member is the object — 403 for a member the caller
    # sees (member B is active), 404 for one it may not see; an anonymous write 401.
    assert (
        client_for(tenancy.staff_a)
        .post("/api/v1/cases/", {**PAYLOAD, "member": tenancy.member_b.slug}, format="json")
        .status_code
        == 403
    )
    tenancy.member_b.status = "suspended"
    tenancy.member_b.save(update_fields=["status"])
    assert (
        client_for(tenancy.staff_a)
        .post("/api/v1/cases/", {**PAYLOAD, "member": tenancy.member_b.slug}, format="json")
        .status_code
        == 404
    )
    assert client_for().post("/api/v1/cases/", PAYLOAD, format="json").status_code == 401
    # Approved: everyone sees; the other chapter's coordinator may see but not reopen.
    approved = make_case(tenancy.member_a, status=ReviewStatus.APPROVED)
    reopen = f"/api/v1/cases/{approved.public_id}/reopen/"
    response = client_for(tenancy.coordinator_b).post(reopen, {"comment": "x"}, format="json")
    assert response.status_code == 403


def test_list_visibility_and_filters(tenancy) -> None:
    make_case(
        tenancy.member_a,
        status=ReviewStatus.APPROVED,
        title="Public A",
        themes=["water"],
        sector="C10",
    )
    make_case(
        tenancy.member_b,
        status=ReviewStatus.APPROVED,
        title="Network B",
        visibility="network",
        sector="I55",
        themes=["sustainable_tourism"],
    )
    make_case(tenancy.member_b, title="Draft B")
    titles = lambda user, q="": {  # noqa: E731
        r["title"] for r in client_for(user).get(f"/api/v1/cases/{q}").json()["results"]
    }
    assert titles(None) == {"Public A"}
    assert titles(tenancy.outsider) == {"Public A"}
    assert titles(tenancy.staff_a) == {"Public A", "Network B"}
    assert titles(tenancy.staff_b) == {"Public A", "Network B", "Draft B"}
    assert titles(tenancy.staff_b, "?status=draft") == {"Draft B"}
    assert titles(tenancy.staff_a, "?chapter=latin-america-caribbean") == {"Network B"}
    assert titles(tenancy.staff_a, "?sector=I") == {"Network B"}
    assert titles(tenancy.staff_a, "?themes=water") == {"Public A"}
    assert titles(tenancy.staff_a, "?country=ke") == {"Public A"}
    assert titles(tenancy.staff_a, "?member=cnpml-colombia") == {"Network B"}
    assert titles(tenancy.staff_a, "?year=2014&enterprise_size=medium") == {"Public A", "Network B"}


def test_schema_documents_case_endpoints() -> None:
    schema = client_for().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in (
        "/api/v1/cases/{id}/approve/",
        "/api/v1/cases/{id}/return/",
        "/api/v1/indicators/",
    ):
        assert path in text
