"""One review machinery for every reviewed type (cases, annual reports): the same situation gets
the same answer through the pages and the API for both types; emails of both go out after the
commit and never for a rollback; reminders (report deadlines, items waiting in the review queue)
go out once per stage."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from knowledge.evidence import reminders, review
from knowledge.evidence.deadlines import reporting_deadline
from knowledge.evidence.services import cases as case_services
from knowledge.evidence.services import reports as report_services
from knowledge.models import AnnualReport, Case, Reminder, ReviewStatus, Transition
from members.models import Role, Status
from recpnet.exceptions import ConflictError
from tests import factories
from tests.knowledge.cases.helpers import make_case

# --- both types, behind one interface ---------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How a test reaches one reviewed type: make an item, its page action URL, its API URL
    (and the API URL of an item that does not exist)."""

    name: str
    make: Callable[[Any, str], Any]  # (tenancy, status) -> item
    page_url: Callable[[Any, str], str]
    api_url: Callable[[Any, str], str]
    missing_api_url: Callable[[str], str]


def _make_case(t: Any, status: str) -> Case:
    case = make_case(t.member_a)
    if status == ReviewStatus.DRAFT:
        return case
    case = case_services.case_submit(actor=t.staff_a, case=case)
    if status == ReviewStatus.APPROVED:
        case = case_services.case_approve(actor=t.coordinator_a, case=case)
    return case


def _make_report(t: Any, status: str) -> AnnualReport:
    report = report_services.report_create(
        member=t.member_a, year=2014, actor=t.staff_a, activity={"enterprises_assisted": 3}
    )
    if status == ReviewStatus.DRAFT:
        return report
    report = report_services.report_submit(report=report, actor=t.staff_a)
    if status == ReviewStatus.APPROVED:
        report = report_services.report_approve(report=report, actor=t.coordinator_a)
    return report


CASE = Kind(
    "case",
    _make_case,
    lambda case, action: reverse("knowledge:case-action", args=[case.public_id, action]),
    lambda case, action: f"/api/v1/cases/{case.public_id}/{action}/",
    lambda action: f"/api/v1/cases/00000000-0000-0000-0000-000000000000/{action}/",
)
REPORT = Kind(
    "report",
    _make_report,
    lambda report, action: reverse(
        "knowledge:report-action",
        kwargs={"slug": report.member.slug, "year": report.year, "action": action},
    ),
    lambda report, action: f"/api/v1/reports/{report.pk}/{action}/",
    lambda action: f"/api/v1/reports/999999/{action}/",
)
KINDS = [pytest.param(CASE, id="case"), pytest.param(REPORT, id="report")]


def _page(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _both(kind: Kind, item: Any, action: str, user: Any, *, comment: str = "", version: Any = None):
    """The page's and the API's answer to the same request."""
    page = _page(user).post(
        kind.page_url(item, action),
        {"comment": comment, **({"version": version} if version is not None else {})},
    )
    headers = {"HTTP_IF_MATCH": str(version)} if version is not None else {}
    api = _api(user).post(kind.api_url(item, action), {"comment": comment}, **headers)
    return page, api


# --- the same situation, the same status ------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    action: str
    actor: str  # a tenancy attribute
    status: str  # the item's status before
    expected: int
    comment: str = "Checked against the audit report."
    stale: bool = False  # someone changed the item after the actor loaded it
    message: str = ""  # in the page and in the API's message


SITUATIONS = {
    "outsider approves": Situation("approve", "outsider", ReviewStatus.SUBMITTED, 404),
    "other chapter's coordinator approves": Situation(
        "approve", "coordinator_b", ReviewStatus.SUBMITTED, 404
    ),
    "other member's staff submits": Situation("submit", "staff_b", ReviewStatus.DRAFT, 404),
    "member staff approves": Situation("approve", "staff_a", ReviewStatus.SUBMITTED, 403),
    "member admin returns": Situation("return", "admin_a", ReviewStatus.SUBMITTED, 403),
    "coordinator reopens": Situation("reopen", "coordinator_a", ReviewStatus.APPROVED, 403),
    "conflict of interest approves": Situation(
        "approve", "conflicted", ReviewStatus.SUBMITTED, 403, message="conflict of interest"
    ),
    "conflict of interest reopens": Situation(
        "reopen", "conflicted", ReviewStatus.APPROVED, 403, message="conflict of interest"
    ),
    "return without comment": Situation(
        "return", "coordinator_a", ReviewStatus.SUBMITTED, 400, comment="", message="Say why"
    ),
    "reopen without comment": Situation(
        "reopen", "secretariat", ReviewStatus.APPROVED, 400, comment="   "
    ),
    "approve with a stale version": Situation(
        "approve", "coordinator_a", ReviewStatus.SUBMITTED, 409, stale=True, message="meanwhile"
    ),
    "submit with a stale version": Situation(
        "submit", "staff_a", ReviewStatus.DRAFT, 409, stale=True, message="meanwhile"
    ),
    "approve twice": Situation(
        "approve", "secretariat", ReviewStatus.APPROVED, 409, message="cannot be approved"
    ),
    "return an approved item": Situation(
        "return", "coordinator_a", ReviewStatus.APPROVED, 409, message="cannot be returned"
    ),
    "submit a submitted item": Situation(
        "submit", "staff_a", ReviewStatus.SUBMITTED, 409, message="cannot be submitted"
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("situation", list(SITUATIONS.values()), ids=list(SITUATIONS))
def test_the_same_situation_gets_the_same_status_on_pages_and_api(
    kind: Kind, situation: Situation, tenancy: Any
) -> None:
    item = kind.make(tenancy, situation.status)
    if situation.actor == "conflicted":
        # Member A's admin invited Africa's coordinator, and the secretariat, as staff.
        for user in (tenancy.coordinator_a, tenancy.secretariat):
            factories.MembershipFactory(member=tenancy.member_a, user=user, role=Role.STAFF)
        actor = tenancy.secretariat if situation.action == "reopen" else tenancy.coordinator_a
    else:
        actor = getattr(tenancy, situation.actor)
    version = None
    if situation.stale:
        version = item.version
        type(item).objects.filter(pk=item.pk).update(version=F("version") + 1)
        item.refresh_from_db()
    before = (item.status, item.version, Transition.objects.count())

    page, api = _both(
        kind, item, situation.action, actor, comment=situation.comment, version=version
    )

    assert (page.status_code, api.status_code) == (situation.expected, situation.expected)
    body = api.json()["error"]
    assert body["status"] == situation.expected
    if situation.message:
        assert situation.message in page.content.decode()
        assert situation.message in body["message"] + str(body.get("fields", ""))
    if situation.expected == 400:
        assert set(body["fields"]) == {"comment"}
    if situation.expected == 404:
        # "Not yours" reads exactly as "missing".
        missing = _api(actor).post(kind.missing_api_url(situation.action))
        assert missing.status_code == 404 and missing.json() == api.json()
    item.refresh_from_db()
    assert (item.status, item.version, Transition.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_version_is_400_naming_it(kind: Kind, tenancy: Any) -> None:
    item = kind.make(tenancy, ReviewStatus.SUBMITTED)
    page, api = _both(kind, item, "approve", tenancy.coordinator_a, version="v2")
    assert (page.status_code, api.status_code) == (400, 400)
    assert set(api.json()["error"]["fields"]) == {"If-Match"}
    item.refresh_from_db()
    assert item.status == ReviewStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_every_action_goes_through_pages_and_api_alike(kind: Kind, tenancy: Any) -> None:
    """The whole workflow, alternating pages and API, with the version each one saw."""
    item = kind.make(tenancy, ReviewStatus.DRAFT)
    steps = [
        ("submit", tenancy.staff_a, ""),
        ("return", tenancy.coordinator_a, "Give the baseline year."),
        ("submit", tenancy.admin_a, ""),
        ("approve", tenancy.coordinator_a, "Thanks"),
        ("reopen", tenancy.secretariat, "The energy figure is in kWh, not MWh."),
    ]
    for n, (action, actor, comment) in enumerate(steps):
        version = item.version
        if n % 2 == 0:
            response = _page(actor).post(
                kind.page_url(item, action), {"comment": comment, "version": version}
            )
            assert response.status_code == 302, response.content[:300]
            assert response["Location"] == review.reviewed_type(item).path(item)
        else:
            response = _api(actor).post(
                kind.api_url(item, action), {"comment": comment}, HTTP_IF_MATCH=f'"{version}"'
            )
            assert response.status_code == 200, response.content
        item.refresh_from_db()
        assert item.version == version + 1
    assert item.status == ReviewStatus.RETURNED
    assert [(t.action, t.comment) for t in review.transitions_of(item)] == [
        (a, c) for a, _u, c in steps
    ]


@pytest.mark.django_db
def test_a_refused_report_submission_lists_its_errors_once_and_changes_nothing(tenancy) -> None:
    # The member's approved case of 2014 assisted 4 enterprises; its report says none.
    make_case(tenancy.member_a, status=ReviewStatus.APPROVED, enterprises=4)
    report = report_services.report_create(
        member=tenancy.member_a, year=2014, actor=tenancy.staff_a
    )
    page, api = _both(REPORT, report, "submit", tenancy.staff_a)
    assert (page.status_code, api.status_code) == (400, 400)
    assert page.content.decode().count("below the 4") == 1
    assert "fix what is listed on this page" in page.content.decode()
    assert "enterprises_assisted" in api.json()["error"]["fields"]["activity"]
    report.refresh_from_db()
    assert (report.status, report.submitted_at) == (ReviewStatus.DRAFT, None)
    assert not review.transitions_of(report)


@pytest.mark.django_db
def test_a_refused_case_submission_names_the_field(tenancy) -> None:
    case = make_case(tenancy.member_a, summary="")
    page, api = _both(CASE, case, "submit", tenancy.staff_a)
    assert (page.status_code, api.status_code) == (400, 400)
    assert "Write a summary" in page.content.decode()
    assert set(api.json()["error"]["fields"]) == {"summary"}
    case.refresh_from_db()
    assert case.status == ReviewStatus.DRAFT


@pytest.mark.django_db
def test_an_unknown_action_on_a_page_is_404(tenancy) -> None:
    report = _make_report(tenancy, ReviewStatus.SUBMITTED)
    url = reverse(
        "knowledge:report-action", kwargs={"slug": "kncpc", "year": 2014, "action": "delete"}
    )
    assert _page(tenancy.coordinator_a).post(url).status_code == 404
    with pytest.raises(ValidationError) as exc:
        review.act(item=report, action="delete", actor=tenancy.coordinator_a)
    assert set(exc.value.message_dict) == {"action"}


# --- one locking technique: edits and transitions claim alike ----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_an_edit_based_on_the_version_before_a_submission_is_a_conflict(kind, tenancy) -> None:
    item = kind.make(tenancy, ReviewStatus.DRAFT)
    seen = item.version
    if kind is CASE:
        case_services.case_update(actor=tenancy.staff_a, case=item, fields={"title": "Boilers"})
    else:
        report_services.report_update(
            report=item, actor=tenancy.staff_a, activity={"people_trained": 4}
        )
    item.refresh_from_db()
    assert item.version == seen + 1
    with pytest.raises(ConflictError, match="meanwhile"):
        review.act(item=item, action="submit", actor=tenancy.admin_a, expected_version=seen)
    review.act(item=item, action="submit", actor=tenancy.admin_a, expected_version=seen + 1)
    with pytest.raises(ConflictError, match="locked"):
        review.claim_edit(item=item, expected_version=None)
    if kind is CASE:
        stale = Case.objects.get(pk=item.pk)
        stale.status = ReviewStatus.DRAFT  # a page loaded before the submission
        with pytest.raises(ConflictError):
            case_services.case_update(actor=tenancy.staff_a, case=stale, fields={"title": "X"})
    else:
        with pytest.raises(ConflictError):
            report_services.report_update(
                report=item, actor=tenancy.staff_a, activity={"people_trained": 9}
            )
    item.refresh_from_db()
    assert (item.status, item.version) == (ReviewStatus.SUBMITTED, seen + 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_and_a_submission_of_the_same_version_at_once_one_wins(tenancy) -> None:
    """Both based on version 1: whichever claims the row first wins, the other is a conflict,
    so no edit lands in an item after it was submitted."""
    case = make_case(tenancy.member_a)
    title = case.title
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name: str, work: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            work()
            outcomes[name] = "ok"
        except ConflictError:
            outcomes[name] = "conflict"
        finally:
            connection.close()

    edit = lambda: case_services.case_update(  # noqa: E731
        actor=tenancy.staff_a,
        case=Case.objects.get(pk=case.pk),
        fields={"title": "Edited at once"},
        expected_version=1,
    )
    submit = lambda: review.act(  # noqa: E731
        item=Case.objects.get(pk=case.pk),
        action="submit",
        actor=tenancy.admin_a,
        expected_version=1,
    )
    threads = [threading.Thread(target=run, args=a) for a in (("edit", edit), ("submit", submit))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    case.refresh_from_db()
    assert case.version == 2
    if outcomes["submit"] == "ok":
        assert (case.status, case.title) == (ReviewStatus.SUBMITTED, title)
    else:
        assert (case.status, case.title) == (ReviewStatus.DRAFT, "Edited at once")


# --- one notification path ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_report_emails_go_out_after_the_commit_and_never_for_a_rollback(tenancy) -> None:
    report = report_services.report_create(
        member=tenancy.member_a, year=2014, actor=tenancy.staff_a
    )
    mail.outbox.clear()

    report = report_services.report_submit(report=report, actor=tenancy.staff_a)
    assert [m.to for m in mail.outbox] == [[tenancy.coordinator_a.email]]
    assert "Kenya National Cleaner Production Centre" in mail.outbox[0].subject
    assert "2014" in mail.outbox[0].subject
    assert "/members/kncpc/reports/2014/" in mail.outbox[0].body
    assert "/reports/review/" in mail.outbox[0].body
    mail.outbox.clear()

    class Undo(Exception):
        pass

    def approve_then_roll_back() -> None:
        with transaction.atomic():
            report_services.report_approve(report=report, actor=tenancy.coordinator_a)
            assert mail.outbox == []  # not before the commit
            raise Undo

    with pytest.raises(Undo):
        approve_then_roll_back()
    assert mail.outbox == []  # nor after the rollback
    report.refresh_from_db()
    assert report.status == ReviewStatus.SUBMITTED

    staff = sorted([tenancy.admin_a.email, tenancy.staff_a.email])
    report_services.report_return(report=report, actor=tenancy.coordinator_a, comment="Units?")
    report_services.report_submit(report=report, actor=tenancy.staff_a)
    report_services.report_approve(report=report, actor=tenancy.coordinator_a, comment="Good")
    report_services.report_reopen(report=report, actor=tenancy.secretariat, comment="Typo in GWh")
    assert [sorted(m.to) for m in mail.outbox] == [
        staff,
        [tenancy.coordinator_a.email],
        staff,
        staff,
    ]
    words = ("returned", "submitted", "approved", "reopened")
    assert [w in m.subject.lower() for w, m in zip(words, mail.outbox, strict=True)] == [True] * 4
    assert "Units?" in mail.outbox[0].body and "Typo in GWh" in mail.outbox[3].body


@pytest.mark.django_db
def test_a_chapter_without_coordinator_has_its_submissions_sent_to_the_secretariat(
    tenancy, django_capture_on_commit_callbacks
) -> None:
    elsewhere = factories.MemberFactory(country=factories.country("HR"))  # Europe: no coordinator
    staff = factories.MembershipFactory(member=elsewhere).user
    case = make_case(elsewhere)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_submit(actor=staff, case=case)
    assert [m.to for m in mail.outbox] == [[tenancy.secretariat.email]]


@pytest.mark.django_db
def test_a_case_reopening_has_its_own_email(tenancy, django_capture_on_commit_callbacks) -> None:
    case = _make_case(tenancy, ReviewStatus.APPROVED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_reopen(actor=tenancy.secretariat, case=case, comment="Wrong unit")
    assert len(mail.outbox) == 1
    assert "reopened" in mail.outbox[0].subject.lower()
    assert "out of the network's statistics" in mail.outbox[0].body


# --- one reminder system --------------------------------------------------------------------


def _send(kind: str, today: dt.date, capture: Any) -> int:
    with capture(execute=True):
        return reminders.reminders_send(kind=kind, today=today)


@pytest.mark.django_db
def test_report_deadline_reminders_go_out_once_per_stage(
    tenancy, django_capture_on_commit_callbacks
) -> None:
    deadline = reporting_deadline(2014)  # 31 March 2015
    capture = django_capture_on_commit_callbacks
    factories.MemberFactory(status=Status.LAPSED)  # not reminded
    _make_report(tenancy, ReviewStatus.SUBMITTED)  # member A is done
    assert _send("report_deadline", deadline - dt.timedelta(days=31), capture) == 0
    assert _send("report_deadline", deadline - dt.timedelta(days=30), capture) == 1
    assert sorted(mail.outbox[0].to) == sorted([tenancy.admin_b.email, tenancy.staff_b.email])
    assert "2014" in mail.outbox[0].subject
    # The same stage again, the same day or the next: nothing.
    assert _send("report_deadline", deadline - dt.timedelta(days=30), capture) == 0
    assert _send("report_deadline", deadline - dt.timedelta(days=20), capture) == 0
    # The next stage: once; the task's name still runs it.
    assert report_services.report_reminders_send(today=deadline - dt.timedelta(days=14)) == 1
    assert report_services.report_reminders_send(today=deadline - dt.timedelta(days=13)) == 0
    assert set(Reminder.objects.values_list("kind", "key", "stage")) == {
        ("report_deadline", f"{tenancy.member_b.pk}/2014", 30),
        ("report_deadline", f"{tenancy.member_b.pk}/2014", 14),
    }


@pytest.mark.django_db(transaction=True)
def test_a_reminder_rolled_back_is_neither_sent_nor_claimed(tenancy) -> None:
    deadline = reporting_deadline(2014)

    def send_then_roll_back() -> None:
        with transaction.atomic():
            assert reminders.reminders_send(kind="report_deadline", today=deadline) == 2
            raise RuntimeError

    with pytest.raises(RuntimeError):
        send_then_roll_back()
    assert mail.outbox == [] and not Reminder.objects.exists()
    # Committed, each claim sends its email.
    assert reminders.reminders_send(kind="report_deadline", today=deadline) == 2
    assert len(mail.outbox) == 2
    assert reminders.reminders_send(kind="report_deadline", today=deadline) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_items_waiting_in_the_review_queue_are_reminded_once_per_stage_and_submission(
    kind: Kind, tenancy: Any, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    item = kind.make(tenancy, ReviewStatus.SUBMITTED)
    submitted = timezone.localdate(item.submitted_at)
    mail.outbox.clear()
    assert _send("review_waiting", submitted + dt.timedelta(days=13), capture) == 0
    assert _send("review_waiting", submitted + dt.timedelta(days=14), capture) == 1
    assert [m.to for m in mail.outbox] == [[tenancy.coordinator_a.email]]
    assert "14 days" in mail.outbox[0].subject
    assert review.reviewed_type(item).path(item) in mail.outbox[0].body
    assert _send("review_waiting", submitted + dt.timedelta(days=20), capture) == 0
    assert _send("review_waiting", submitted + dt.timedelta(days=45), capture) == 1
    assert _send("review_waiting", submitted + dt.timedelta(days=46), capture) == 0
    # Returned and submitted again: a new wait, reminded afresh.
    item = review.act(item=item, action="return", actor=tenancy.coordinator_a, comment="Units")
    item = review.act(item=item, action="submit", actor=tenancy.staff_a)
    assert _send("review_waiting", submitted + dt.timedelta(days=14), capture) == 1
    assert _send("review_waiting", submitted + dt.timedelta(days=15), capture) == 0
    # Approved: nothing more.
    review.act(item=item, action="approve", actor=tenancy.coordinator_a)
    assert _send("review_waiting", timezone.localdate() + dt.timedelta(days=40), capture) == 0


def test_the_reminder_tasks_are_scheduled_and_registered(settings) -> None:
    from recpnet.celery import app

    tasks = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("knowledge.send_report_reminders", "knowledge.send_review_reminders"):
        assert name in tasks and name in app.tasks
    assert {"report_deadline", "review_waiting"} <= set(reminders.kinds())
