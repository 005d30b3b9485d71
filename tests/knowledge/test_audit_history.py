"""The audit trail: changes written with conditional UPDATEs (review transitions, report edits)
and in bulk (case imports) are in the change history with who, when, before and after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledge.evidence.selectors.cases import change_history
from knowledge.evidence.services import cases as case_services
from knowledge.evidence.services import reports as report_services
from knowledge.models import AnnualReport, Case, ReportImpact, ReviewStatus
from members import tasks
from members.models import Status
from tests.knowledge.cases.helpers import make_case
from tests.knowledge.cases.test_import_and_demo import GOOD, _csv

pytestmark = pytest.mark.django_db


def _changes(report: AnnualReport) -> dict[str, tuple[object, object]]:
    new, old = report.history.all()[:2]
    return {c.field: (c.old, c.new) for c in new.diff_against(old).changes}


def test_case_approval_is_in_the_history_with_the_approver(tenancy) -> None:
    case = make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED)
    case_services.case_approve(case=case, actor=tenancy.coordinator_a)
    latest = case.history.first()
    assert latest is not None
    assert latest.history_type == "~"
    assert latest.history_user == tenancy.coordinator_a
    assert latest.status == ReviewStatus.APPROVED
    delta = latest.diff_against(latest.prev_record)
    assert ("status", ReviewStatus.SUBMITTED, ReviewStatus.APPROVED) in {
        (c.field, c.old, c.new) for c in delta.changes
    }


def test_report_edit_and_approval_are_in_the_history_with_actor_and_diff(tenancy) -> None:
    report = report_services.report_create(
        member=tenancy.member_a,
        year=2014,
        actor=tenancy.staff_a,
        activity={"enterprises_assisted": 3},
    )
    report_services.report_update(
        report=report, actor=tenancy.admin_a, activity={"enterprises_assisted": 5}, notes="More"
    )
    edit = report.history.first()
    assert edit is not None and edit.history_user == tenancy.admin_a
    changes = _changes(report)
    assert changes["enterprises_assisted"] == (3, 5)
    assert changes["notes"] == ("", "More")

    report_services.report_submit(report=report, actor=tenancy.staff_a)
    report_services.report_approve(report=report, actor=tenancy.coordinator_a)
    approval = report.history.first()
    assert approval is not None and approval.history_user == tenancy.coordinator_a
    assert _changes(report)["status"] == (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)
    assert [h.history_user for h in report.history.order_by("history_date", "history_id")] == [
        tenancy.staff_a,  # created
        tenancy.admin_a,  # edited
        tenancy.staff_a,  # submitted
        tenancy.coordinator_a,  # approved
    ]


def test_report_impacts_replaced_in_an_edit_are_in_the_history(tenancy) -> None:
    report = report_services.report_create(
        member=tenancy.member_a, year=2014, actor=tenancy.staff_a
    )
    report_services.report_update(
        report=report,
        actor=tenancy.staff_a,
        impacts=[{"indicator": "water_saved", "value": "10", "unit": "m3"}],
    )
    rows = ReportImpact.history.filter(report_id=report.pk)
    assert [(h.history_type, h.history_user) for h in rows] == [("+", tenancy.staff_a)]


def test_a_bulk_import_of_cases_creates_history_rows(tenancy) -> None:
    job = case_services.case_import_start(
        actor=tenancy.staff_a,
        member=tenancy.member_a,
        filename="cases.csv",
        content=_csv([GOOD, {**GOOD, "title": "Second"}]),
    )
    assert job.state == "done" and job.created == 2
    created = Case.history.filter(history_type="+")
    assert sorted(h.title for h in created) == ["Imported case", "Second"]
    assert {h.history_user for h in created} == {tenancy.staff_a}


def test_the_history_page_lists_submitted_report_changes_but_not_drafts(client, tenancy) -> None:
    submitted = report_services.report_create(
        member=tenancy.member_a, year=2014, actor=tenancy.staff_a
    )
    report_services.report_submit(report=submitted, actor=tenancy.staff_a)
    report_services.report_create(member=tenancy.member_b, year=2015, actor=tenancy.staff_b)
    entries = [c for c in change_history(actor=tenancy.secretariat) if c.kind == "Annual report"]
    assert [c.what for c in entries] == [f"{tenancy.member_a.name} — 2014"]
    client.force_login(tenancy.secretariat)
    page = client.get(reverse("knowledge:case-history")).content.decode()
    assert f"{tenancy.member_a.name} — 2014" in page
    assert "2015" not in page


def test_a_lapse_by_the_nightly_job_is_in_the_member_history(tenancy) -> None:
    assert tasks.check_lapsing.apply().get()["lapsed"] == 2
    latest = tenancy.member_a.history.first()
    assert latest is not None and latest.history_user is None  # the system, not a person
    delta = latest.diff_against(latest.prev_record)
    assert ("status", Status.ACTIVE, Status.LAPSED) in {
        (c.field, c.old, c.new) for c in delta.changes
    }


def test_figures_typed_into_a_draft_stay_out_of_the_change_history(tenancy) -> None:
    """The case's status when a figure was changed decides, not its status now: a value typed
    into a draft and replaced before submitting is never shown, one changed once the case was
    returned is."""
    case = make_case(tenancy.member_a)

    def impacts(value: str) -> None:
        case_services.case_update(
            actor=tenancy.staff_a,
            case=Case.objects.get(pk=case.pk),
            fields={},
            impacts=[{"indicator": "energy_saved", "value": value, "unit": "MWh"}],
        )

    impacts("777")  # a slip, corrected before anyone saw it
    impacts("5")
    case_services.case_submit(actor=tenancy.staff_a, case=Case.objects.get(pk=case.pk))

    def shown() -> list[str]:
        return [
            c.what for c in change_history(actor=tenancy.secretariat) if c.kind == "Case impact"
        ]

    assert shown() == []  # every figure change so far was made in the draft
    case_services.case_return(
        actor=tenancy.coordinator_a, case=Case.objects.get(pk=case.pk), comment="Check it"
    )
    impacts("6")  # the submitted 5 is replaced while returned: both rows are shown
    assert sorted(w.split()[1] for w in shown()) == ["5.000000", "6.000000"]
