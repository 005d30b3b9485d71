"""Conflict of interest: nobody reviews or reopens an item of a member organisation they are
staff of, whatever other roles they hold, on every path (service, page, API), for cases and
annual reports alike. The reported attack: a member admin invited the chapter's coordinator
as staff, who then approved a case of 999,999 GWh for that member."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from knowledge.evidence.review import allowed_actions
from knowledge.evidence.services import cases as case_services
from knowledge.evidence.services import reports as report_services
from knowledge.models import AnnualReport, ReviewStatus
from members.models import Role
from tests import factories
from tests.knowledge.cases.helpers import make_case

pytestmark = pytest.mark.django_db


def _submitted_report(t: Any) -> AnnualReport:
    report = report_services.report_create(member=t.member_a, year=2014, actor=t.staff_a)
    return report_services.report_submit(report=report, actor=t.staff_a)


@pytest.fixture
def conflicted(tenancy: Any) -> Any:
    """Member A's admin makes Africa's coordinator, and the secretariat officer, its staff."""
    for user in (tenancy.coordinator_a, tenancy.secretariat):
        factories.MembershipFactory(member=tenancy.member_a, user=user, role=Role.STAFF)
    return tenancy


def test_the_service_refuses_every_review_step_to_the_members_own_staff(conflicted):
    t = conflicted
    case = make_case(t.member_a, status=ReviewStatus.SUBMITTED)
    report = _submitted_report(t)
    for reviewer in (t.coordinator_a, t.secretariat):
        with pytest.raises(PermissionDenied, match="conflict of interest"):
            case_services.case_approve(actor=reviewer, case=case)
        with pytest.raises(PermissionDenied, match="conflict of interest"):
            case_services.case_return(actor=reviewer, case=case, comment="Fine by me")
        with pytest.raises(PermissionDenied, match="conflict of interest"):
            report_services.report_approve(report=report, actor=reviewer)
        assert allowed_actions(item=case, actor=reviewer) == []
    approved = make_case(t.member_a, status=ReviewStatus.APPROVED)
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        case_services.case_reopen(actor=t.secretariat, case=approved, comment="Let me redo it")
    case.refresh_from_db()
    report.refresh_from_db()
    assert (case.status, report.status) == (ReviewStatus.SUBMITTED, ReviewStatus.SUBMITTED)


def test_pages_and_api_answer_403_alike(conflicted):
    t = conflicted
    case = make_case(t.member_a, status=ReviewStatus.SUBMITTED)
    report = _submitted_report(t)
    page = Client()
    page.force_login(t.coordinator_a)
    api = APIClient()
    api.force_authenticate(t.coordinator_a)
    response = page.post(reverse("knowledge:case-action", args=[case.public_id, "approve"]))
    assert response.status_code == 403
    assert "conflict of interest" in response.content.decode()
    response = page.post(
        reverse(
            "knowledge:report-action",
            kwargs={"slug": t.member_a.slug, "year": 2014, "action": "approve"},
        )
    )
    assert response.status_code == 403
    assert api.post(f"/api/v1/cases/{case.public_id}/approve/").status_code == 403
    assert api.post(f"/api/v1/reports/{report.pk}/approve/").status_code == 403
    case.refresh_from_db()
    report.refresh_from_db()
    assert (case.status, report.status) == (ReviewStatus.SUBMITTED, ReviewStatus.SUBMITTED)


def test_the_same_coordinator_still_reviews_the_chapters_other_members(conflicted):
    t = conflicted
    other = factories.MemberFactory(country=factories.country("TZ"))
    case = make_case(other, status=ReviewStatus.SUBMITTED)
    case = case_services.case_approve(actor=t.coordinator_a, case=case)
    assert case.status == ReviewStatus.APPROVED


def test_editing_a_report_one_may_see_but_not_write_is_403_in_the_api_as_for_cases(tenancy):
    """Staff of member B see member A's approved report: changing it is a 403, not a 404
    (existence is no secret once it is approved), as for cases."""
    report = _submitted_report(tenancy)
    report_services.report_approve(report=report, actor=tenancy.coordinator_a)
    api = APIClient()
    api.force_authenticate(tenancy.staff_b)
    assert api.get(f"/api/v1/reports/{report.pk}/").status_code == 200
    assert api.patch(f"/api/v1/reports/{report.pk}/", {}, format="json").status_code == 403
    case = make_case(tenancy.member_a, status=ReviewStatus.APPROVED)
    assert api.patch(f"/api/v1/cases/{case.public_id}/", {}, format="json").status_code == 403


def test_a_report_patch_with_a_stale_if_match_is_a_conflict(tenancy):
    report = report_services.report_create(
        member=tenancy.member_a, year=2014, actor=tenancy.staff_a
    )
    api = APIClient()
    api.force_authenticate(tenancy.staff_a)
    url = f"/api/v1/reports/{report.pk}/"
    assert api.get(url).json()["version"] == 1
    change = {"activity": {"people_trained": 7}}
    assert api.patch(url, change, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    assert (
        api.patch(
            url, change | {"activity": {"people_trained": 8}}, format="json", HTTP_IF_MATCH='"1"'
        ).status_code
        == 409
    )
    response = api.patch(url, change, format="json", HTTP_IF_MATCH="²")
    assert response.status_code == 400
    assert "If-Match" in response.json()["error"]["fields"]
