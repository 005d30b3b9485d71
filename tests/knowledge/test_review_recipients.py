"""Who hears of a review: the submission email and the review-queue reminders go to the chapter's
coordinators whom the rulebook lets review the item — never staff of its member (conflict of
interest) — and to the secretariat when that leaves nobody; the latest return comments are read
by one function, in one query, for a list and for one item alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from chapters.models import Coordinator
from knowledge.evidence import reminders, review
from knowledge.evidence.selectors import cases as case_selectors
from knowledge.evidence.selectors import reports as report_selectors
from knowledge.evidence.services import cases as case_services
from knowledge.evidence.services import reports as report_services
from knowledge.models import ReviewStatus
from members.models import Role
from tests import factories
from tests.knowledge.cases.helpers import make_case

pytestmark = pytest.mark.django_db


def _submit_case(t: Any) -> Any:
    return case_services.case_submit(actor=t.staff_a, case=make_case(t.member_a))


def _submit_report(t: Any) -> Any:
    report = report_services.report_create(member=t.member_a, year=2014, actor=t.staff_a)
    return report_services.report_submit(report=report, actor=t.staff_a)


SUBMIT: dict[str, Callable[[Any], Any]] = {"case": _submit_case, "report": _submit_report}


def _conflicted_coordinator(t: Any) -> Any:
    """A second coordinator of member A's chapter (Africa) whom member A made its staff."""
    user = factories.CoordinatorFactory(chapter=factories.chapter("africa")).user
    factories.MembershipFactory(member=t.member_a, user=user, role=Role.STAFF)
    return user


def _submit_and_remind(t: Any, kind: str, capture: Any) -> tuple[list[str], list[str]]:
    """Submit one item of ``kind``; the addresses of its submission email and of its 14-day
    reminder."""
    with capture(execute=True):
        item = SUBMIT[kind](t)
    submitted = [sorted(m.to) for m in mail.outbox]
    mail.outbox.clear()
    with capture(execute=True):
        sent = reminders.reminders_send(
            kind="review_waiting",
            today=timezone.localdate(item.submitted_at) + dt.timedelta(days=14),
        )
    assert sent == 1
    reminded = [sorted(m.to) for m in mail.outbox]
    assert len(submitted) == len(reminded) == 1
    return submitted[0], reminded[0]


@pytest.mark.parametrize("kind", sorted(SUBMIT))
def test_a_coordinator_who_is_staff_of_the_member_is_neither_emailed_nor_reminded(
    kind: str, tenancy: Any, django_capture_on_commit_callbacks: Any
) -> None:
    t = tenancy
    conflicted = _conflicted_coordinator(t)
    submitted, reminded = _submit_and_remind(t, kind, django_capture_on_commit_callbacks)
    assert submitted == reminded == [t.coordinator_a.email]
    assert conflicted.email not in submitted + reminded


@pytest.mark.parametrize("kind", sorted(SUBMIT))
def test_when_the_only_coordinator_is_staff_of_the_member_the_secretariat_is_told(
    kind: str, tenancy: Any, django_capture_on_commit_callbacks: Any
) -> None:
    t = tenancy
    Coordinator.objects.filter(user=t.coordinator_a).delete()
    conflicted = _conflicted_coordinator(t)
    # A secretariat officer who is staff of member A may not review it either.
    factories.MembershipFactory(
        member=t.member_a,
        user=factories.UserFactory(is_secretariat=True),
        role=Role.STAFF,
    )
    submitted, reminded = _submit_and_remind(t, kind, django_capture_on_commit_callbacks)
    assert submitted == reminded == [t.secretariat.email]
    assert conflicted.email not in submitted + reminded


def test_reviewers_are_the_ones_the_rulebook_lets_review(tenancy: Any) -> None:
    t = tenancy
    conflicted = _conflicted_coordinator(t)
    case = _submit_case(t)
    reviewers = list(review.chapter_reviewers(case))
    assert reviewers == [t.coordinator_a]
    assert review.allowed_actions(item=case, actor=conflicted) == []


def test_the_latest_return_comments_in_one_query(
    tenancy: Any, django_assert_num_queries: Any
) -> None:
    t = tenancy
    first, second, never = (_submit_case(t) for _ in range(3))
    for case, comments in ((first, ["Units?", "Baseline?"]), (second, ["Sources?"])):
        for comment in comments:
            case = review.act(item=case, action="return", actor=t.coordinator_a, comment=comment)
            if comment != comments[-1]:
                case = review.act(item=case, action="submit", actor=t.staff_a)
    first.refresh_from_db()
    second.refresh_from_db()
    with django_assert_num_queries(1):
        latest = review.last_return_comments([first, second, never])
    assert {pk: tr.comment for pk, tr in latest.items()} == {
        first.pk: "Baseline?",
        second.pk: "Sources?",
    }
    assert latest[first.pk].actor == t.coordinator_a  # read with the query
    # The selectors and the single item read the same.
    by_selector = case_selectors.return_comments(cases=[first, second, never])
    assert {pk: tr.pk for pk, tr in by_selector.items()} == {pk: tr.pk for pk, tr in latest.items()}
    one = review.last_return_comment(first)
    assert one is not None and one.pk == latest[first.pk].pk
    assert review.last_return_comment(never) is None
    assert review.last_return_comments([]) == {}


def test_the_reports_workspace_reads_the_same_return_comment(tenancy: Any) -> None:
    t = tenancy
    report = _submit_report(t)
    report = report_services.report_return(report=report, actor=t.coordinator_a, comment="Why?")
    assert report.status == ReviewStatus.RETURNED
    comments = report_selectors.last_comments([report])
    assert comments[report.pk].comment == "Why?"
    assert comments[report.pk].pk == review.last_return_comments([report])[report.pk].pk
