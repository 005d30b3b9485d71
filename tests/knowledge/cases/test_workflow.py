"""The review workflow on cases: every step, emails, conflicts (also concurrent, on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from knowledge.evidence import review
from knowledge.evidence.services import cases as services
from knowledge.models import Case, ReviewStatus
from members.evidence import approved_case_counts
from recpnet.exceptions import ConflictError
from tests.knowledge.cases.helpers import make_case


@pytest.mark.django_db
def test_whole_workflow_with_emails(tenancy, django_capture_on_commit_callbacks) -> None:
    case = make_case(tenancy.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_submit(actor=tenancy.staff_a, case=case)
    assert [m.to for m in mail.outbox] == [[tenancy.coordinator_a.email]]
    assert case.title in mail.outbox[0].subject

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_return(actor=tenancy.coordinator_a, case=case, comment="Add the baseline.")
    assert sorted(mail.outbox[0].to) == sorted([tenancy.admin_a.email, tenancy.staff_a.email])
    assert "Add the baseline." in mail.outbox[0].body
    assert review.last_return_comment(case).comment == "Add the baseline."

    services.case_update(actor=tenancy.staff_a, case=case, fields={"summary": "Now with data."})
    services.case_submit(actor=tenancy.staff_a, case=case)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_approve(actor=tenancy.coordinator_a, case=case)
    assert "approved" in mail.outbox[0].subject.lower()
    assert case.status == ReviewStatus.APPROVED
    assert approved_case_counts([tenancy.member_a.pk]) == {tenancy.member_a.pk: 1}

    with pytest.raises(PermissionDenied):  # only the secretariat reopens
        services.case_reopen(actor=tenancy.coordinator_a, case=case, comment="Wrong figure")
    with pytest.raises(ValidationError):  # a reopening says why
        services.case_reopen(actor=tenancy.secretariat, case=case, comment="")
    services.case_reopen(actor=tenancy.secretariat, case=case, comment="Wrong figure")
    assert case.status == ReviewStatus.RETURNED
    actions = [t.action for t in review.transitions_of(case)]
    assert actions == ["submit", "return", "submit", "approve", "reopen"]
    assert approved_case_counts([tenancy.member_a.pk]) == {}


@pytest.mark.django_db
def test_approving_twice_is_a_conflict(tenancy) -> None:
    case = make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED)
    stale = Case.objects.get(pk=case.pk)
    services.case_approve(actor=tenancy.coordinator_a, case=case)
    with pytest.raises(ConflictError):
        services.case_approve(actor=tenancy.secretariat, case=stale)


@pytest.mark.django_db
def test_other_chapter_and_member_staff_cannot_review(tenancy) -> None:
    case = make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED)
    with pytest.raises(Http404):  # cannot even see a submitted case of another chapter
        services.case_approve(actor=tenancy.coordinator_b, case=case)
    with pytest.raises(PermissionDenied):
        services.case_approve(actor=tenancy.staff_a, case=case)
    with pytest.raises(Http404):
        services.case_submit(actor=tenancy.staff_b, case=make_case(tenancy.member_a))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_approvals_exactly_one_succeeds(tenancy) -> None:
    case = make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor) -> None:
        item = Case.objects.get(pk=case.pk)
        barrier.wait()
        try:
            services.case_approve(actor=actor, case=item)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(u,))
        for u in (tenancy.coordinator_a, tenancy.secretariat)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert [t.action for t in review.transitions_of(case)] == ["approve"]
