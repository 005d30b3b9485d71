"""API v1 of statistics and annual reports: the contract's fields, filters, suppression for the
public, and the error answers (400 with field errors, 403, 404 across tenants, 409)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from knowledge.evidence.services import reports as report_services
from knowledge.models import AnnualReport, ReviewStatus
from tests.knowledge.stats.conftest import committing, make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

STATISTICS = "/api/v1/statistics/"
ROW_FIELDS = {
    "scope",
    "year",
    "indicator",
    "unit",
    "total",
    "n_items",
    "n_enterprises",
    "median",
    "p25",
    "p75",
}
REPORT_FIELDS = {"id", "member", "year", "activity", "impacts", "status", "version"}


def client_for(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _error_fields(response: Any) -> dict[str, Any]:
    body = response.json()["error"]
    assert body["status"] == response.status_code
    return body.get("fields", {})


@pytest.fixture
def network(tenancy: Any) -> Any:
    """Member A (Kenya, Africa) reported 2013 and 2014 for 10 enterprises; member B (Colombia)
    reported 2014 for 2 enterprises — below the public threshold of 3."""
    make_report(
        tenancy,
        year=2013,
        enterprises_assisted=10,
        options_identified=540,
        options_implemented=205,
        impacts=[{"indicator": "energy_saved", "value": "1.5", "unit": "GWh"}],
    )
    make_report(
        tenancy,
        year=2014,
        enterprises_assisted=10,
        impacts=[
            {"indicator": "energy_saved", "value": "2", "unit": "GWh"},
            {"indicator": "water_saved", "value": "1500", "unit": "m3"},
        ],
    )
    make_report(
        tenancy,
        member=tenancy.member_b,
        year=2014,
        enterprises_assisted=2,
        impacts=[{"indicator": "energy_saved", "value": "500", "unit": "MWh"}],
    )
    return tenancy


def _rows(response: Any) -> dict[tuple[str, int, str], dict[str, Any]]:
    assert response.status_code == 200, response.content
    return {(r["scope"], r["year"], r["indicator"]): r for r in response.json()["results"]}


# --- statistics ---------------------------------------------------------------------------


def test_contract_fields_and_figures(network):
    response = client_for().get(STATISTICS, {"scope": "global"})
    body = response.json()
    assert set(body) == {"as_of", "results"}
    assert body["as_of"] is not None
    assert body["results"]
    for row in body["results"]:
        assert set(row) == ROW_FIELDS
    rows = _rows(response)
    energy = rows[("global", 2014, "energy_saved")]
    assert energy == {
        "scope": "global",
        "year": 2014,
        "indicator": "energy_saved",
        "unit": "MWh/yr",
        "total": "2500",  # 2 GWh + 500 MWh
        "n_items": 2,
        "n_enterprises": 12,
        "median": None,
        "p25": None,
        "p75": None,
    }
    assert rows[("global", 2013, "options_implemented")]["total"] == "205"


def test_filters_scope_year_indicator(network):
    client = client_for()
    rows = _rows(client.get(STATISTICS, {"scope": "chapter:africa"}))
    assert {scope for scope, _, _ in rows} == {"chapter:africa"}
    assert {year for _, year, _ in rows} == {2013, 2014}

    rows = _rows(client.get(STATISTICS, {"scope": "country:ke", "year": 2014}))  # any case
    assert {(s, y) for s, y, _ in rows} == {("country:KE", 2014)}
    assert rows[("country:KE", 2014, "water_saved")]["total"] == "1500"

    rows = _rows(client.get(STATISTICS, {"scope": "global", "indicator": "energy_saved"}))
    assert set(rows) == {("global", 2013, "energy_saved"), ("global", 2014, "energy_saved")}

    rows = _rows(client.get(STATISTICS, {"scope": "tier:observer", "year": 2012}))
    assert rows == {}


def test_default_scope_is_global(network):
    rows = _rows(client_for().get(STATISTICS))
    assert {scope for scope, _, _ in rows} == {"global"}


@pytest.mark.parametrize(
    "scope",
    ["planet", "chapter:", "chapter:atlantis", "country:XX", "sector:9", "tier:platinum"],
)
def test_bad_scope_is_400_naming_the_field(network, scope):
    response = client_for().get(STATISTICS, {"scope": scope})
    assert response.status_code == 400
    assert list(_error_fields(response)) == ["scope"]


def test_bad_year_and_indicator_are_400_naming_the_fields(network):
    response = client_for().get(STATISTICS, {"year": "last", "indicator": "happiness"})
    assert response.status_code == 400
    assert set(_error_fields(response)) == {"year", "indicator"}


def test_distribution_indicators_are_valid_filters(network):
    response = client_for().get(STATISTICS, {"indicator": "payback_years"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_public_callers_get_cells_under_three_enterprises_suppressed(network):
    # Colombia's 2014 figure rests on 2 enterprises: hidden from visitors and from logged-in
    # users outside the network, the counts stay (they reveal no figure).
    for user in (None, network.outsider):
        rows = _rows(client_for(user).get(STATISTICS, {"scope": "country:CO"}))
        energy = rows[("country:CO", 2014, "energy_saved")]
        assert energy["n_enterprises"] == 2
        assert (energy["total"], energy["median"], energy["p25"], energy["p75"]) == (
            None,
            None,
            None,
            None,
        )
        # Kenya's 10 enterprises: shown.
        rows = _rows(client_for(user).get(STATISTICS, {"scope": "country:KE", "year": 2014}))
        assert rows[("country:KE", 2014, "energy_saved")]["total"] == "2000"


@pytest.mark.parametrize("who", ["staff_a", "staff_b", "coordinator_a", "secretariat"])
def test_network_users_see_every_cell(network, who):
    rows = _rows(client_for(getattr(network, who)).get(STATISTICS, {"scope": "country:CO"}))
    assert rows[("country:CO", 2014, "energy_saved")]["total"] == "500"


def test_token_authenticated_network_user_sees_every_cell(network):
    from tests.factories import PASSWORD

    token = client_for().post(
        "/api/v1/auth/token/", {"email": network.staff_b.email, "password": PASSWORD}
    )
    assert token.status_code == 200, token.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    rows = _rows(client.get(STATISTICS, {"scope": "country:CO"}))
    assert rows[("country:CO", 2014, "energy_saved")]["total"] == "500"


def test_statistics_are_read_only(network):
    response = client_for(network.secretariat).post(STATISTICS, {"scope": "global"})
    assert response.status_code == 403


# --- annual reports -----------------------------------------------------------------------


def _submitted(t: Any, *, member: Any = None) -> AnnualReport:
    member = member or t.member_a
    staff = t.staff_a if member == t.member_a else t.staff_b
    report = report_services.report_create(
        member=member,
        year=2015,
        actor=staff,
        activity={"enterprises_assisted": 4},
        impacts=[{"indicator": "energy_saved", "value": "40", "unit": "MWh"}],
    )
    return report_services.report_submit(report=report, actor=staff)


def test_report_contract_fields(tenancy):
    report = _submitted(tenancy)
    response = client_for(tenancy.staff_a).get(f"/api/v1/reports/{report.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == REPORT_FIELDS
    assert body["member"] == "kncpc"
    assert body["status"] == "submitted"
    assert body["activity"]["enterprises_assisted"] == 4
    assert body["impacts"] == [
        {
            "indicator": "energy_saved",
            "value": "40",
            "unit": "MWh",
            "stored": {"value": "40", "unit": "MWh/yr"},
        }
    ]


@pytest.mark.parametrize("who", ["staff_b", "admin_b", "coordinator_a", "coordinator_b"])
def test_another_tenants_draft_is_404(tenancy, who):
    draft = report_services.report_create(member=tenancy.member_a, year=2015, actor=tenancy.staff_a)
    client = client_for(getattr(tenancy, who))
    missing = client.get("/api/v1/reports/999999/")
    assert missing.status_code == 404
    for response in (
        client.get(f"/api/v1/reports/{draft.pk}/"),
        client.patch(
            f"/api/v1/reports/{draft.pk}/", {"activity": {"people_trained": 9}}, format="json"
        ),
        client.post(f"/api/v1/reports/{draft.pk}/submit/"),
    ):
        assert response.status_code == 404
        assert response.json() == missing.json()  # "not yours" reads exactly as "missing"
    listed = client.get("/api/v1/reports/", {"member": "kncpc"}).json()["results"]
    assert draft.pk not in [r["id"] for r in listed]
    draft.refresh_from_db()
    assert (draft.status, draft.people_trained) == (ReviewStatus.DRAFT, 0)


def test_anonymous_and_outsider_get_404_for_a_draft(tenancy):
    draft = report_services.report_create(member=tenancy.member_a, year=2015, actor=tenancy.staff_a)
    assert client_for().get(f"/api/v1/reports/{draft.pk}/").status_code == 404
    assert client_for(tenancy.outsider).get(f"/api/v1/reports/{draft.pk}/").status_code == 404


def test_member_approving_is_403(tenancy):
    report = _submitted(tenancy)
    for who in ("staff_a", "admin_a"):
        response = client_for(getattr(tenancy, who)).post(f"/api/v1/reports/{report.pk}/approve/")
        assert response.status_code == 403, who
        assert response.json()["error"]["status"] == 403
    # Another tenant does not even learn that the submitted report exists.
    response = client_for(tenancy.staff_b).post(f"/api/v1/reports/{report.pk}/approve/")
    assert response.status_code == 404
    # Nor does the other chapter's coordinator act on it: it sees nothing of chapter A's queue.
    response = client_for(tenancy.coordinator_b).post(f"/api/v1/reports/{report.pk}/approve/")
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == ReviewStatus.SUBMITTED


def test_approving_twice_is_409(tenancy):
    report = _submitted(tenancy)
    client = client_for(tenancy.coordinator_a)
    with committing():
        first = client.post(f"/api/v1/reports/{report.pk}/approve/", {"comment": "Thanks"})
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "approved"
    second = client.post(f"/api/v1/reports/{report.pk}/approve/")
    assert second.status_code == 409
    assert second.json()["error"]["status"] == 409
    assert "approved" in second.json()["error"]["message"]
    # The statistics counted it once.
    from knowledge.models import Statistic

    assert Statistic.objects.get(scope="global", year=2015, indicator="energy_saved").total == (
        Decimal("40")
    )


def test_return_without_comment_is_400_naming_comment(tenancy):
    report = _submitted(tenancy)
    response = client_for(tenancy.coordinator_a).post(f"/api/v1/reports/{report.pk}/return/")
    assert response.status_code == 400
    assert set(_error_fields(response)) == {"comment"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"member": "kncpc", "year": 2999}, "year"),
        ({"member": "kncpc", "year": "soon"}, "year"),
        ({"member": "kncpc"}, "year"),
        ({"year": 2015}, "member"),
        ({"member": "kncpc", "year": 2015, "activity": {"people_trained": -1}}, "activity"),
        (
            {"member": "kncpc", "year": 2015, "activity": {"options_identified": 1}}
            | {"impacts": [{"indicator": "energy_saved", "value": "3", "unit": "kg"}]},
            "impacts",
        ),
        (
            {"member": "kncpc", "year": 2015}
            | {"impacts": [{"indicator": "happiness", "value": "3", "unit": "MWh"}]},
            "impacts",
        ),
        (
            {"member": "kncpc", "year": 2015}
            | {"activity": {"options_identified": 2, "options_implemented": 5}},
            "activity.options_implemented",
        ),
        (
            {"member": "kncpc", "year": "١٩٩٥", "activity": {"people_trained": "1,5"}}
            | {"impacts": [{"indicator": "energy_saved", "value": "1e3", "unit": "MWh"}]},
            "year activity.people_trained impacts",
        ),
    ],
)
def test_bad_report_input_is_400_naming_the_field(tenancy, payload, field):
    response = client_for(tenancy.staff_a).post("/api/v1/reports/", payload, format="json")
    assert response.status_code == 400, response.content
    fields = _error_fields(response)
    for name in field.split():
        outer, _, inner = name.partition(".")
        assert outer in fields and (not inner or inner in fields[outer]), (name, fields)
    assert not AnnualReport.objects.exists()


def test_second_report_for_the_same_year_is_400_naming_year(tenancy):
    client = client_for(tenancy.staff_a)
    assert client.post("/api/v1/reports/", {"member": "kncpc", "year": 2015}).status_code == 201
    response = client.post("/api/v1/reports/", {"member": "kncpc", "year": 2015})
    assert response.status_code == 400
    assert set(_error_fields(response)) == {"year"}


def test_creating_for_another_tenant_is_refused(tenancy):
    """The member is the object: 403 for one the caller sees (member A is active), 404 for
    one it may not see."""
    client = client_for(tenancy.staff_b)
    response = client.post("/api/v1/reports/", {"member": "kncpc", "year": 2015}, format="json")
    assert response.status_code == 403
    tenancy.member_a.status = "suspended"
    tenancy.member_a.save(update_fields=["status"])
    response = client.post("/api/v1/reports/", {"member": "kncpc", "year": 2015}, format="json")
    assert response.status_code == 404
    assert not AnnualReport.objects.exists()


def test_report_list_filters_and_rejects_a_fractional_year(tenancy):
    make_report(tenancy, year=2013, enterprises_assisted=3)
    make_report(tenancy, member=tenancy.member_b, year=2014, enterprises_assisted=3)
    client = client_for(tenancy.staff_b)
    listed = client.get("/api/v1/reports/", {"member": "kncpc"}).json()["results"]
    assert [(r["member"], r["year"]) for r in listed] == [("kncpc", 2013)]
    listed = client.get("/api/v1/reports/", {"year": 2014}).json()["results"]
    assert [(r["member"], r["year"]) for r in listed] == [("cnpml-colombia", 2014)]
    response = client.get("/api/v1/reports/", {"year": "0.5"})
    assert response.status_code == 400
    assert set(_error_fields(response)) == {"year"}
