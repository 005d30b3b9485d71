"""Pinned query counts of the statistics and report pages.

Each page is counted on a small data set, then again after more members, reports, impact rows,
cases and review comments were added: the count must not move (no query per row). Every
pinned number lists its queries, so a change to it is a deliberate one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from knowledge.evidence.models.review import ReviewAction
from knowledge.models import (
    AnnualReport,
    Indicator,
    ReportImpact,
    ReviewStatus,
    Transition,
)
from knowledge.statistics import services as stat_services
from members.models import Status, StatusChange, TierChange
from tests import factories
from tests.knowledge.stats.conftest import committing, make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

COUNTRIES = ("KE", "CO", "IN", "EG", "PE")
SUBMITTED_AT = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def _network(t: Any, *, members: int) -> None:
    """``members`` more members across chapters, each with a tier and status history, an
    approved report with two impact rows for 2013 and 2014, and an approved case; then the
    statistics are rebuilt (more statistic rows, more countries on the map)."""
    energy = Indicator.objects.get(code="energy_saved")
    water = Indicator.objects.get(code="water_saved")
    start = AnnualReport.objects.count()
    for i in range(members):
        member = factories.MemberFactory(country=factories.country(COUNTRIES[(start + i) % 5]))
        TierChange.objects.create(
            member=member, tier=member.tier, effective_on=dt.date(2012, 3, 1), reason="admitted"
        )
        StatusChange.objects.create(
            member=member, status=Status.ACTIVE, effective_on=dt.date(2012, 3, 1), reason="ok"
        )
        for year in (2013, 2014):
            report = AnnualReport.objects.create(
                member=member,
                year=year,
                status=ReviewStatus.APPROVED,
                enterprises_assisted=5 + i,
                options_identified=20,
                options_implemented=8,
            )
            ReportImpact.objects.bulk_create(
                [
                    ReportImpact(report=report, indicator=energy, value=i, stored_value=i),
                    ReportImpact(report=report, indicator=water, value=i, stored_value=i),
                ]
            )
        make_case(t, member=member, investment="100", savings="40", enterprises=3)
    with committing():  # the rebuild records new slices on commit
        stat_services.statistics_rebuild()


def _queue(*, members: int) -> None:
    """``members`` more Kenyan members (Africa) and one Colombian, each with a submitted report
    (plus a returned and a draft one, which the queue must not show)."""
    for code in ["KE"] * members + ["CO"]:
        member = factories.MemberFactory(country=factories.country(code))
        for year, status in (
            (2011, ReviewStatus.SUBMITTED),
            (2012, ReviewStatus.RETURNED),
            (2013, ReviewStatus.DRAFT),
        ):
            AnnualReport.objects.create(
                member=member, year=year, status=status, submitted_at=SUBMITTED_AT
            )


def _workspace(t: Any, *, years: range) -> None:
    """Member A's reports for ``years`` in every state; each returned one with two comments."""
    content_type = ContentType.objects.get_for_model(AnnualReport)
    states = (
        ReviewStatus.DRAFT,
        ReviewStatus.SUBMITTED,
        ReviewStatus.RETURNED,
        ReviewStatus.APPROVED,
    )
    for i, year in enumerate(years):
        report = AnnualReport.objects.create(member=t.member_a, year=year, status=states[i % 4])
        if report.status == ReviewStatus.RETURNED:
            for comment in ("Check the units", "Fix the GHG figure"):
                Transition.objects.create(
                    content_type=content_type,
                    object_id=report.pk,
                    action=ReviewAction.RETURN,
                    from_status=ReviewStatus.SUBMITTED,
                    to_status=ReviewStatus.RETURNED,
                    actor=t.coordinator_a,
                    comment=comment,
                )


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


# A logged-in request: the session and its user, then the actor's roles (memberships, chapters
# coordinated), computed once per request by RequireMFAForReviewersMiddleware and shared with
# the navigation: 4. A reviewer's request also checks for their authenticator app: 5.
LOGGED_IN = 4
REVIEWER = LOGGED_IN + 1
# The session is saved at the end of each logged-in request: SAVEPOINT, UPDATE, RELEASE.
SESSION_SAVE = 3


def test_public_global_dashboard(tenancy, django_assert_num_queries):
    # 1 the data version (slices, members, tier and status histories), which keys the cached
    #   page body; a cached page costs nothing more
    cached = 1
    # Rendering the body (a new version, year or map indicator):
    # 2 statistic rows of the scope
    # 3 indicator labels
    # 4 as-of of the scope (slices)
    # 5-7 navigation: scopes with statistics, chapters, countries with statistics
    # 8 the map indicator is a statistic indicator
    # 9 country rows of the map
    # 10 countries of the map
    # 11-15 network growth: members, tier history, status history, chapters, and the approved
    #   report years (active contributors)
    queries = 15
    _network(tenancy, members=3)
    with django_assert_num_queries(queries):
        _get(_client(), "/statistics/")
    _network(tenancy, members=12)
    with django_assert_num_queries(queries):
        response = _get(_client(), "/statistics/")
    html = response.content.decode()
    assert 'data-testid="totals"' in html and "map-data" in html
    with django_assert_num_queries(cached):
        again = _get(_client(), "/statistics/")
    assert again.content == response.content


def test_chapter_dashboard_for_its_coordinator(tenancy, django_assert_num_queries):
    # REVIEWER (whether the actor is a network user is the rulebook's question about the
    # roles read there: no query of its own)
    # 1 the chapter's name
    # 2 the data version, which keys the cached page body
    # (rendering the body:)
    # 3 statistic rows of the scope
    # 4 indicator labels
    # 5 as-of of the scope
    # 6-8 navigation: scopes with statistics, chapters, countries with statistics
    # 9 the map indicator is a statistic indicator
    # 10 country rows of the map
    # 11 the chapter's countries on the map
    # SESSION_SAVE
    cached = REVIEWER + 2 + SESSION_SAVE
    queries = cached + 9
    client = _client(tenancy.coordinator_a)
    _network(tenancy, members=3)
    with django_assert_num_queries(queries):
        _get(client, "/statistics/chapters/africa/")
    _network(tenancy, members=12)
    with django_assert_num_queries(queries):
        response = _get(client, "/statistics/chapters/africa/")
    html = response.content.decode()
    assert 'data-testid="totals"' in html
    assert "Public view" not in html  # a network user sees every cell
    with django_assert_num_queries(cached):
        _get(client, "/statistics/chapters/africa/")


def test_report_review_queue(tenancy, django_assert_num_queries):
    # REVIEWER (the coordinator's roles are read there once for the whole request: the
    # rulebook's queue and review rows ask no more)
    # 1 the submitted reports they review, with member, country and chapter
    # SESSION_SAVE
    queries = REVIEWER + 1 + SESSION_SAVE
    client = _client(tenancy.coordinator_a)
    _queue(members=2)
    with django_assert_num_queries(queries):
        _get(client, "/reports/review/")
    _queue(members=10)
    with django_assert_num_queries(queries):
        response = _get(client, "/reports/review/")
    items = response.context["items"]
    assert len(items) == 12
    assert {r.member.country_id for r in items} == {"KE"}


def test_member_report_workspace(tenancy, django_assert_num_queries):
    # LOGGED_IN (the actor's role in the member, and which reports they see, are read from
    # the roles read there)
    # 1 the member, with country and chapter
    # 2 its reports the actor may see
    # 3 the latest return comments of the returned ones, with their authors
    # SESSION_SAVE
    queries = LOGGED_IN + 3 + SESSION_SAVE
    client = _client(tenancy.staff_a)
    _workspace(tenancy, years=range(2000, 2004))
    with django_assert_num_queries(queries):
        _get(client, "/members/kncpc/reports/")
    _workspace(tenancy, years=range(2004, 2020))
    with django_assert_num_queries(queries):
        response = _get(client, "/members/kncpc/reports/")
    ws = response.context["ws"]
    assert len(ws.returned) == 5
    assert all(r.last_comment.comment == "Fix the GHG figure" for r in ws.returned)


def test_reports_api_list(tenancy, django_assert_num_queries):
    # As a network user (member reports are not public): session, user, roles (memberships,
    # chapters), the network check, count (pagination), the page of reports with member,
    # country, chapter, their impact rows, the impacts' indicators, the session's expiry
    # refresh — and nothing per report.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _network(tenancy, members=2)
    client = _client(tenancy.staff_b)
    _get(client, "/api/v1/reports/")  # warm: the first request also creates the session
    with CaptureQueriesContext(connection) as few:
        _get(client, "/api/v1/reports/")
    _network(tenancy, members=8)
    with django_assert_num_queries(len(few)):
        response = _get(client, "/api/v1/reports/")
    assert len(few) <= 12
    assert response.json()["count"] == 20
    # The public sees statistics only, not members' reports.
    assert _get(_client(), "/api/v1/reports/").json()["count"] == 0
