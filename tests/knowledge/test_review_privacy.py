"""What stays between a member and its reviewers: review comments, drafts, member reports."""

from __future__ import annotations

from django.urls import reverse

from knowledge.evidence import review
from knowledge.evidence.services import cases as case_services
from knowledge.models import ReviewStatus
from tests.knowledge.cases.helpers import make_case
from tests.knowledge.stats.conftest import make_report


def test_case_review_comments_are_shown_to_the_member_and_its_reviewers_only(client, tenancy):
    case = make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED)
    case_services.case_return(case=case, actor=tenancy.coordinator_a, comment="RETURN-NOTE")
    case.refresh_from_db()
    case_services.case_submit(case=case, actor=tenancy.staff_a)
    case.refresh_from_db()
    case_services.case_approve(case=case, actor=tenancy.coordinator_a)
    url = reverse("knowledge:case-detail", args=[case.public_id])
    for who, sees in (
        (tenancy.staff_a, True),
        (tenancy.coordinator_a, True),
        (tenancy.secretariat, True),
        (tenancy.staff_b, False),
        (tenancy.coordinator_b, False),
        (tenancy.outsider, False),
    ):
        client.force_login(who)
        page = client.get(url)
        assert page.status_code == 200
        assert (b"RETURN-NOTE" in page.content) is sees, who


def test_report_history_is_not_shown_to_other_tenants(client, tenancy):
    report = make_report(tenancy, year=2013, enterprises_assisted=3)
    from knowledge.evidence.services import reports as report_services

    report_services.report_reopen(report=report, actor=tenancy.secretariat, comment="REOPEN-NOTE")
    report.refresh_from_db()
    report_services.report_submit(report=report, actor=tenancy.staff_a)
    report.refresh_from_db()
    report_services.report_approve(report=report, actor=tenancy.coordinator_a)
    url = reverse("knowledge:report-detail", kwargs={"slug": tenancy.member_a.slug, "year": 2013})
    for who, sees in ((tenancy.staff_a, True), (tenancy.staff_b, False)):
        client.force_login(who)
        page = client.get(url)
        assert page.status_code == 200
        assert (b"REOPEN-NOTE" in page.content) is sees
    assert len(review.transitions_of(report)) == 5


def test_member_reports_are_network_data_not_public(client, tenancy):
    make_report(tenancy, year=2013, enterprises_assisted=3)
    url = reverse("knowledge:report-detail", kwargs={"slug": tenancy.member_a.slug, "year": 2013})
    assert client.get(url).status_code in (302, 404)
    assert client.get("/api/v1/reports/").json()["count"] == 0
    client.force_login(tenancy.staff_b)
    assert client.get(url).status_code == 200


def test_secretariat_sees_a_members_reports_except_drafts(client, tenancy):
    make_report(tenancy, year=2012, approve=False, enterprises_assisted=1)
    make_report(tenancy, year=2013, enterprises_assisted=3)
    client.force_login(tenancy.secretariat)
    page = client.get(reverse("knowledge:report-workspace", kwargs={"slug": tenancy.member_a.slug}))
    assert page.status_code == 200
    assert [r.year for r in page.context["ws"].drafts] == []
    assert [r.year for r in page.context["ws"].approved] == [2013]
    client.force_login(tenancy.staff_a)
    page = client.get(reverse("knowledge:report-workspace", kwargs={"slug": tenancy.member_a.slug}))
    assert [r.year for r in page.context["ws"].drafts] == [2012]


def test_library_facets_do_not_reveal_network_only_cases(client, tenancy):
    make_case(tenancy.member_b, status=ReviewStatus.APPROVED, visibility="network")
    page = client.get(reverse("knowledge:case-library"))
    assert [c.code for c in page.context["options"]["countries"]] == []
    client.force_login(tenancy.staff_a)
    page = client.get(reverse("knowledge:case-library"))
    assert [c.code for c in page.context["options"]["countries"]] == ["CO"]
