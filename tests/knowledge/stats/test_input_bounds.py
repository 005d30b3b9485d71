"""Input the database cannot hold is refused before it gets there: report counters beyond the
declared bound (:data:`recpnet.bounds.COUNT_MAX`, well inside a PostgreSQL ``integer``) and junk
in statistics scopes are a 400 or a 404 naming the problem, never a DataError (500). Run on
SQLite and PostgreSQL; the ``postgres`` tests pin the real column."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from knowledge.evidence.services import reports as report_services
from knowledge.models import ACTIVITY_FIELDS, AnnualReport
from knowledge.statistics import selectors
from recpnet import bounds
from tests.knowledge.stats.conftest import make_case, make_report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

MAX = bounds.COUNT_MAX


def _draft(t: Any) -> AnnualReport:
    return report_services.report_create(member=t.member_a, year=2015, actor=t.staff_a)


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- report counters ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIVITY_FIELDS)
def test_service_refuses_a_counter_beyond_an_integer_naming_it(tenancy, name):
    report = _draft(tenancy)
    with pytest.raises(ValidationError) as exc:
        report_services.report_update(
            report=report, actor=tenancy.staff_a, activity={name: MAX + 1}
        )
    assert list(exc.value.message_dict) == [name]
    with pytest.raises(ValidationError) as exc:
        report_services.report_create(
            member=tenancy.member_b, year=2015, actor=tenancy.staff_b, activity={name: MAX + 1}
        )
    assert list(exc.value.message_dict) == [name]
    assert AnnualReport.objects.filter(member=tenancy.member_b).count() == 0


def test_the_largest_integer_is_stored(tenancy):
    report = _draft(tenancy)
    report = report_services.report_update(
        report=report,
        actor=tenancy.staff_a,
        activity={"options_identified": MAX, "options_implemented": MAX, "people_trained": MAX},
    )
    report.refresh_from_db()
    assert (report.options_identified, report.people_trained) == (MAX, MAX)


@pytest.mark.postgres
def test_the_largest_integer_is_stored_on_postgresql(tenancy):
    test_the_largest_integer_is_stored(tenancy)


@pytest.mark.parametrize("value", [MAX + 1, 99_999_999_999])
def test_api_patch_beyond_an_integer_is_400_naming_activity(tenancy, value):
    _check_api_patch(tenancy, _draft(tenancy), value)


def _check_api_patch(tenancy: Any, report: AnnualReport, value: int) -> None:
    response = _api(tenancy.staff_a).patch(
        f"/api/v1/reports/{report.pk}/",
        {"activity": {"enterprises_assisted": value}},
        format="json",
    )
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["activity"]
    assert "enterprises_assisted" in str(fields["activity"])
    report.refresh_from_db()
    assert (report.enterprises_assisted, report.version) == (0, 1)


def test_api_create_beyond_an_integer_is_400_naming_activity(tenancy):
    response = _api(tenancy.staff_a).post(
        "/api/v1/reports/",
        {"member": "kncpc", "year": 2015, "activity": {"people_trained": MAX + 1}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["activity"]
    assert not AnnualReport.objects.exists()


def test_html_edit_beyond_an_integer_is_400_naming_the_counter(tenancy):
    _check_html_edit(tenancy, _draft(tenancy))


def _check_html_edit(tenancy: Any, report: AnnualReport) -> None:
    client = Client()
    client.force_login(tenancy.staff_a)
    response = client.post(
        reverse("knowledge:report-edit", kwargs={"slug": "kncpc", "year": 2015}),
        {"enterprises_assisted": "99999999999", "version": report.version},
    )
    assert response.status_code == 400
    assert "from 0 to 1,000,000,000" in response.content.decode()
    report.refresh_from_db()
    assert report.enterprises_assisted == 0


@pytest.mark.postgres
def test_api_and_html_edit_beyond_an_integer_on_postgresql(tenancy):
    report = _draft(tenancy)
    _check_api_patch(tenancy, report, MAX + 1)
    _check_html_edit(tenancy, report)


# --- statistics scopes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    [
        "chapter:a\x00",
        "chapter:Africa",
        "chapter:a b",
        "chapter:" + "a" * 51,
        "country:a\x00",
        "country:KEN",
        "country:\u00e9\u00e9",
        "sector:C10",
        "sector:\x00",
        "tier:platinum",
        "tier:",
        "planet:x",
    ],
)
def test_parse_scope_404s_a_malformed_value(scope):
    with pytest.raises(Http404):
        selectors.parse_scope(scope)
    with pytest.raises(Http404):
        selectors.scope_label(scope)


@pytest.mark.parametrize(
    ("given", "scope"),
    [
        ("", "global"),
        ("global", "global"),
        ("chapter:africa", "chapter:africa"),
        ("country:ke", "country:KE"),
        ("sector:c", "sector:C"),
        ("tier:associate", "tier:associate"),
    ],
)
def test_parse_scope_accepts_and_normalises_well_formed_scopes(given, scope):
    assert selectors.parse_scope(given) == scope


PAGES_WITH_NUL = [
    "/statistics/items/chapter:a%00/2014/",
    "/statistics/items/country:a%00/2014/",
    "/statistics/countries/a%00/",
    "/statistics/sectors/%00/",
    "/statistics/tiers/a%00/",
]


@pytest.mark.parametrize("path", PAGES_WITH_NUL)
def test_nul_in_a_statistics_path_is_400(tenancy, path):
    response = Client().get(path)
    assert response.status_code == 400
    assert b"NUL character" in response.content


@pytest.mark.postgres
def test_nul_in_a_statistics_path_is_400_on_postgresql(tenancy):
    for path in PAGES_WITH_NUL:
        test_nul_in_a_statistics_path_is_400(tenancy, path)


@pytest.mark.parametrize(
    "path",
    [
        "/statistics/items/chapter:a%01/2014/",
        "/statistics/items/country:a%01/2014/",
        "/statistics/items/sector:C10/2014/",
        "/statistics/items/tier:x%01/2014/",
        "/statistics/countries/a%01/",
        "/statistics/countries/KEN/",
        "/statistics/sectors/%C3%A9/",
        "/statistics/tiers/%01/",
        "/statistics/chapters/" + "a" * 300 + "/",
        "/statistics/export.csv?scope=country:a%01",
    ],
)
def test_junk_in_a_statistics_scope_is_404(tenancy, path):
    assert Client().get(path).status_code == 404


def test_well_formed_scopes_still_render(tenancy):
    make_report(tenancy, year=2014, enterprises_assisted=5)
    client = Client()
    for path in (
        "/statistics/countries/ke/",
        "/statistics/items/country:ke/2014/",
        "/statistics/items/chapter:africa/2014/",
        "/statistics/tiers/observer/",
    ):
        assert client.get(path).status_code == 200, path


def test_statistics_api_junk_scope_is_400_naming_scope(tenancy):
    response = APIClient().get("/api/v1/statistics/", {"scope": "country:a\x01"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["scope"]


# --- ratios at the edge of the declared ranges --------------------------------------------


def _extreme_ratio_case(tenancy: Any) -> None:
    # Every figure within the input bounds, yet a payback of 10^14 years and an energy
    # productivity change of about 10^41 %: quartiles cannot hold them and must not try.
    make_case(
        tenancy,
        investment="1000000000000",
        savings="0.01",
        output=("0.000001", "1000000000000000"),
        figures=[("energy", "1000000000000", "0.000001")],
    )


def test_an_extreme_ratio_is_left_out_of_the_quartiles_not_a_failure(tenancy):
    from knowledge.models import Statistic, StatisticSlice
    from knowledge.statistics.services import statistics_rebuild

    _extreme_ratio_case(tenancy)
    make_case(tenancy, investment="400", savings="40")
    result = statistics_rebuild()
    assert result.failed == ()
    assert not StatisticSlice.objects.filter(failed_since__isnull=False).exists()
    payback = Statistic.objects.get(scope="global", year=2014, indicator="payback_years")
    assert (payback.n_items, payback.median) == (1, 10)
    assert not Statistic.objects.filter(indicator="energy_productivity_change_pct").exists()


@pytest.mark.postgres
def test_an_extreme_ratio_is_left_out_on_postgresql(tenancy):
    test_an_extreme_ratio_is_left_out_of_the_quartiles_not_a_failure(tenancy)
