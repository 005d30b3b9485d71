"""Dashboard pages: the cached page body follows the figures, and the public and the network
see their own versions of it."""

from __future__ import annotations

import pytest
from django.test import Client

from knowledge.evidence.services import reports as report_services
from tests import factories
from tests.knowledge.stats.conftest import committing, make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def _energy_cell(html: str) -> str:
    row = html.split('data-indicator="energy_saved"', 1)[1]
    return row.split('<td class="num">', 1)[1].split("</td>", 1)[0]


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_an_approval_changes_the_cached_dashboard(tenancy):
    make_report(
        tenancy,
        enterprises_assisted=5,
        impacts=[{"indicator": "energy_saved", "value": "120", "unit": "MWh"}],
    )
    url = "/statistics/chapters/africa/?year=2014"
    assert _energy_cell(_client().get(url).content.decode()) == "120"
    assert _energy_cell(_client().get(url).content.decode()) == "120"  # from the cache
    other = factories.MemberFactory(country=factories.country("TZ"))
    staff = factories.MembershipFactory(member=other).user
    report = report_services.report_create(
        member=other,
        year=2014,
        actor=staff,
        activity={"enterprises_assisted": 4},
        impacts=[{"indicator": "energy_saved", "value": "80", "unit": "MWh"}],
    )
    report = report_services.report_submit(report=report, actor=staff)
    with committing():
        report_services.report_approve(report=report, actor=tenancy.coordinator_a)
    assert _energy_cell(_client().get(url).content.decode()) == "200"


def test_public_and_network_pages_are_cached_apart(tenancy):
    make_report(
        tenancy,
        member=tenancy.member_b,
        enterprises_assisted=2,  # below the public threshold of 3
        impacts=[{"indicator": "energy_saved", "value": "500", "unit": "MWh"}],
    )
    url = "/statistics/countries/CO/"
    for _ in range(2):  # rendered, then from the cache
        public = _client().get(url).content.decode()
        network = _client(tenancy.staff_a).get(url).content.decode()
        assert "fewer than 3 enterprises" in _energy_cell(public)
        assert "500" not in _energy_cell(public)
        assert _energy_cell(network) == "500"
        assert "Public view" in public and "Public view" not in network


@pytest.mark.parametrize(
    "url",
    [
        "/statistics/chapters/atlantis/",
        "/statistics/countries/XX/",
        "/statistics/sectors/9/",
        "/statistics/tiers/platinum/",
    ],
)
def test_unknown_scopes_are_404(tenancy, url):
    assert _client().get(url).status_code == 404


def test_odd_query_parameters_fall_back_to_the_defaults(tenancy):
    make_report(
        tenancy,
        enterprises_assisted=5,
        impacts=[{"indicator": "energy_saved", "value": "7", "unit": "MWh"}],
    )
    for query in ("?indicator=DROP%20TABLE", "?indicator=nope"):
        response = _client().get(f"/statistics/{query}")
        assert response.status_code == 200, query
        assert _energy_cell(response.content.decode()) == "7"


@pytest.mark.parametrize("year", ["99999", "abc", "²", "1989", "2015.5"])
def test_a_year_out_of_range_or_malformed_is_a_400_naming_year(tenancy, year):
    response = _client().get("/statistics/", {"year": year})
    assert response.status_code == 400
    assert "<strong>year</strong>: Enter a year from 1990 to" in response.content.decode()
