"""The knowledge rulebooks (knowledge/{catalogue,evidence,statistics}/policies.py): one table
feeds the lists and the object checks, pages and API answer alike, and conflict of interest is
a rule of the table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Model, QuerySet
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import now
from rest_framework.test import APIClient

from knowledge.catalogue import policies as catalogue_policies
from knowledge.catalogue.models import ExchangeRate, Indicator
from knowledge.evidence import policies, review
from knowledge.evidence.models.cases import Case, CaseAttachment, CaseImportJob
from knowledge.evidence.models.reports import AnnualReport
from knowledge.evidence.models.review import ReviewStatus
from knowledge.evidence.selectors import cases as case_selectors
from knowledge.evidence.selectors import reports as report_selectors
from knowledge.statistics import policies as statistics_policies
from knowledge.statistics.models import Statistic, StatisticSlice
from members import policies as member_policies
from members.models import Member, Role, Status
from recpnet.roles import roles_cache
from recpnet.rulebook import Rulebook
from tests import factories
from tests.knowledge.cases.helpers import make_attachment, make_case, make_import_job

pytestmark = pytest.mark.django_db

ROLES = (
    "visitor",
    "outsider",
    "staff_a",
    "admin_a",
    "staff_b",
    "admin_b",
    "coordinator_a",
    "coordinator_b",
    "secretariat",
)
STATES = (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.RETURNED, ReviewStatus.APPROVED)

# Each rulebook with the models its object types live in; a new type must be added here.
RULEBOOKS: dict[str, tuple[Rulebook, dict[str, type[Model]]]] = {
    "evidence": (
        policies.rulebook,
        {
            "case": Case,
            "case_attachment": CaseAttachment,
            "case_import_job": CaseImportJob,
            "report": AnnualReport,
            "member": Member,
        },
    ),
    "catalogue": (
        catalogue_policies.rulebook,
        {"indicator": Indicator, "exchange_rate": ExchangeRate},
    ),
    "statistics": (
        statistics_policies.rulebook,
        {"statistic": Statistic, "statistic_slice": StatisticSlice},
    ),
}


def _actor(tenancy: Any, role: str) -> Any:
    return AnonymousUser() if role == "visitor" else getattr(tenancy, role)


@dataclass
class World:
    t: Any
    member_c: Member  # active, in chapter A: Africa's coordinator and the secretariat are its staff
    member_d: Member  # suspended, in chapter B: most roles may not see it


def _report(member: Member, year: int, status: str) -> AnnualReport:
    return AnnualReport.objects.create(member=member, year=year, status=status)


def _world(tenancy: Any) -> World:
    """Besides the tenancy: member C (Tanzania, Africa), of which Africa's coordinator and
    the secretariat officer are staff (the conflict of interest), and member D (Colombia,
    suspended). Every member has a case in every state and visibility and a report in every
    state; member A's cases have attachments; A and B have imports."""
    t = tenancy
    member_c = factories.MemberFactory(country=factories.country("TZ"), slug="member-c")
    member_d = factories.MemberFactory(
        country=factories.country("CO"), slug="member-d", status=Status.SUSPENDED
    )
    for user in (t.coordinator_a, t.secretariat):
        factories.MembershipFactory(member=member_c, user=user, role=Role.STAFF)
    for member in (t.member_a, t.member_b, member_c, member_d):
        for year, status in enumerate(STATES, start=2011):
            _report(member, year, status)
            for visibility in ("public", "network"):
                case = make_case(member, status=status, visibility=visibility)
                if member == t.member_a:
                    make_attachment(case, t.staff_a)
    make_import_job(t.member_a, t.staff_a)
    make_import_job(t.member_b, t.staff_b)
    ExchangeRate.objects.create(currency="EUR", year=2014, usd_per_unit="1.3285", source="ECB")
    StatisticSlice.objects.get_or_create(scope="global", year=2014)
    Statistic.objects.create(
        scope="global", year=2014, indicator="energy_saved", source="reports", computed_at=now()
    )
    return World(tenancy, member_c, member_d)


def test_every_object_type_of_the_tables_is_covered() -> None:
    for name, (rulebook, models) in RULEBOOKS.items():
        assert {kind for kind, _action in rulebook.table} == set(models), name


def test_the_tables_drive_both_the_lists_and_the_object_checks(tenancy: Any) -> None:
    """For every role, object and action: in the filtered list ⇔ the object check passes."""
    _world(tenancy)
    with roles_cache():  # each actor's roles read once, as in a request
        checked = _check_lists_against_objects(tenancy)
    assert checked > 5_000


def _check_lists_against_objects(tenancy: Any) -> int:
    checked = 0
    for name, (rulebook, models) in RULEBOOKS.items():
        for role in ROLES:
            actor = _actor(tenancy, role)
            for kind, action in rulebook.table:
                base: QuerySet[Any] = models[kind]._default_manager.all()
                listed = set(
                    rulebook.filter_allowed(base, actor, kind, action).values_list("pk", flat=True)
                )
                for obj in base:
                    allowed = rulebook.allows(actor, kind, action, obj)
                    assert (obj.pk in listed) == allowed, (
                        f"{name}: {kind}.{action} as {role} on {obj!r}: list says "
                        f"{obj.pk in listed}, object check says {allowed}"
                    )
                    checked += 1
    return checked


def test_require_hides_what_the_actor_may_not_see_and_refuses_the_rest(tenancy: Any) -> None:
    """404 for an object the actor may not see (its ``seen_via`` rule), 403 for one it sees;
    and whoever may act on an object may see it."""
    _world(tenancy)
    with roles_cache():  # each actor's roles read once, as in a request
        _check_refusals(tenancy)


def _check_refusals(tenancy: Any) -> None:
    for rulebook, models in RULEBOOKS.values():
        for role in ROLES:
            actor = _actor(tenancy, role)
            for (kind, action), entry in rulebook.table.items():
                for obj in models[kind]._default_manager.all():
                    sees = entry.seen_via is not None and rulebook.allows(
                        actor, kind, entry.seen_via, obj
                    )
                    if rulebook.allows(actor, kind, action, obj):
                        rulebook.require(actor, kind, action, obj)
                        assert entry.seen_via is None or sees, f"{kind}.{action} as {role}"
                        continue
                    with pytest.raises(PermissionDenied if sees else Http404):
                        rulebook.require(actor, kind, action, obj)


# Written out, not computed: the expected answer for a few (role, item, action), so that a
# change to the table or to Rulebook.require that _check_refusals would follow shows here.
# An item is (member, status, visibility); reports have no visibility (None).
CASE_PINNED = (
    # (actor, (member, status, visibility), action, expected: 200, 404 hidden, 403 refused)
    ("visitor", ("a", "draft", "public"), "view", 404),
    ("visitor", ("a", "approved", "public"), "view", 200),
    ("visitor", ("a", "approved", "network"), "view", 404),
    ("outsider", ("a", "approved", "public"), "edit", 403),
    ("staff_b", ("a", "approved", "public"), "approve", 403),
    ("staff_b", ("a", "approved", "network"), "view", 200),  # the network sees it
    ("staff_b", ("a", "submitted", "public"), "view", 404),
    ("staff_a", ("a", "draft", "network"), "edit", 200),
    ("staff_a", ("a", "submitted", "public"), "approve", 403),
    ("coordinator_a", ("a", "submitted", "public"), "approve", 200),
    ("coordinator_a", ("a", "draft", "public"), "view", 404),
    ("coordinator_b", ("a", "submitted", "public"), "view", 404),
    ("coordinator_b", ("a", "submitted", "public"), "approve", 404),
    ("coordinator_b", ("a", "approved", "public"), "approve", 403),
    ("secretariat", ("a", "draft", "public"), "view", 404),
    ("secretariat", ("a", "submitted", "network"), "approve", 200),
    ("secretariat", ("a", "approved", "public"), "reopen", 200),
    ("coordinator_a", ("a", "approved", "public"), "reopen", 403),
)
REPORT_PINNED = (
    ("visitor", ("a", "approved", None), "view", 404),  # reports are network data
    ("outsider", ("a", "approved", None), "view", 404),
    ("staff_b", ("a", "approved", None), "view", 200),
    ("staff_b", ("a", "approved", None), "approve", 403),
    ("staff_a", ("a", "draft", None), "submit", 200),
    ("coordinator_a", ("a", "draft", None), "view", 404),
    ("coordinator_a", ("a", "submitted", None), "return", 200),
    ("coordinator_b", ("a", "submitted", None), "view", 404),
    ("secretariat", ("a", "draft", None), "view", 404),
    ("secretariat", ("a", "approved", None), "reopen", 200),
)
CONFLICT = "conflict of interest"


def _status(actor: Any, kind: str, action: str, obj: Any) -> int:
    try:
        policies.require(actor, kind, action, obj)
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    return 200


def test_pinned_expectations(tenancy: Any) -> None:
    _world(tenancy)
    members = {"a": tenancy.member_a, "b": tenancy.member_b}
    for kind, pinned in (("case", CASE_PINNED), ("report", REPORT_PINNED)):
        for role, (member, status, visibility), action, expected in pinned:
            if kind == "case":
                obj: Any = Case.objects.get(
                    member=members[member], status=status, visibility=visibility
                )
            else:
                obj = AnnualReport.objects.get(member=members[member], status=status)
            got = _status(_actor(tenancy, role), kind, action, obj)
            assert got == expected, (kind, role, status, visibility, action)
    # A coordinator who is also staff of member A: refused on A's items, and told why.
    factories.MembershipFactory(member=tenancy.member_a, user=tenancy.coordinator_a)
    submitted = Case.objects.get(member=tenancy.member_a, status="submitted", visibility="public")
    report = AnnualReport.objects.get(member=tenancy.member_a, status="submitted")
    for kind, item in (("case", submitted), ("report", report)):
        with pytest.raises(PermissionDenied, match=CONFLICT):
            policies.require(tenancy.coordinator_a, kind, "approve", item)
        with pytest.raises(PermissionDenied, match=CONFLICT):
            policies.authorize(tenancy.coordinator_a, kind, "return", item)
    # Refused for another reason, the message is the row's, not the conflict's.
    with pytest.raises(PermissionDenied) as refused:
        policies.require(
            tenancy.staff_b,
            "case",
            "approve",
            Case.objects.get(member=tenancy.member_a, status="approved", visibility="public"),
        )
    assert CONFLICT not in str(refused.value)


def test_the_selectors_list_what_the_table_allows(tenancy: Any) -> None:
    world = _world(tenancy)
    cases = list(Case.objects.all())
    reports = list(AnnualReport.objects.all())
    for role in ROLES:
        actor = _actor(tenancy, role)

        def allowed(kind: str, action: str, objects: list[Any], actor: Any = actor) -> set[Any]:
            return {o for o in objects if policies.allows(actor, kind, action, o)}

        visible = allowed("case", "view", cases)
        assert set(case_selectors.cases_visible_to(actor=actor)) == visible, role
        assert set(case_selectors.cases_for_export(actor=actor)) == visible, role
        assert set(case_selectors.library_visible(actor=actor)) == {
            c for c in visible if c.status == ReviewStatus.APPROVED
        }, role
        assert set(report_selectors.reports_visible_to(actor=actor)) == allowed(
            "report", "view", reports
        )
        if policies.allows(actor, "case", "review_queue"):
            assert set(case_selectors.review_queue(actor=actor, status="")) == allowed(
                "case", "review", cases
            )
            queued, _counts = report_selectors.report_review_queue(actor=actor)
            assert set(queued) == {
                r for r in allowed("report", "review", reports) if r.status == "submitted"
            }
        else:
            with pytest.raises(PermissionDenied):
                case_selectors.review_queue(actor=actor)
            with pytest.raises(PermissionDenied):
                report_selectors.report_review_queue(actor=actor)
    # A member's own lists: its staff see every item, the secretariat all but drafts.
    for actor, drafts in ((tenancy.staff_a, True), (tenancy.secretariat, False)):
        _member, own, _role = case_selectors.member_cases(actor=actor, slug="kncpc")
        assert any(c.status == ReviewStatus.DRAFT for c in own) is drafts
        assert set(own) == {c for c in visible_cases(actor) if c.member_id == tenancy.member_a.pk}
        workspace = report_selectors.member_reports_workspace(actor=actor, member=tenancy.member_a)
        assert bool(workspace.drafts) is drafts
    assert world.member_d.status == Status.SUSPENDED


def visible_cases(actor: Any) -> set[Case]:
    return {c for c in Case.objects.all() if policies.allows(actor, "case", "view", c)}


def test_approved_items_are_seen_as_the_lists_say(tenancy: Any) -> None:
    """The old object check said every approved item was visible, while the lists hid
    network-only cases and all reports from the public: now both come from one row."""
    network_case = make_case(tenancy.member_a, status=ReviewStatus.APPROVED, visibility="network")
    public_case = make_case(tenancy.member_a, status=ReviewStatus.APPROVED, visibility="public")
    report = _report(tenancy.member_a, 2014, ReviewStatus.APPROVED)
    for actor in (AnonymousUser(), tenancy.outsider):
        assert policies.allows(actor, "case", "view", public_case)
        assert not policies.allows(actor, "case", "view", network_case)
        assert not policies.allows(actor, "report", "view", report)
    with pytest.raises(Http404):  # the review path asks the same row
        review.act(item=network_case, action="reopen", actor=tenancy.outsider, comment="x")
    with pytest.raises(Http404):
        review.act(item=report, action="reopen", actor=tenancy.outsider, comment="x")
    with pytest.raises(PermissionDenied):
        review.act(item=public_case, action="reopen", actor=tenancy.outsider, comment="x")
    assert policies.allows(tenancy.staff_b, "report", "view", report)


def test_conflict_of_interest_is_a_rule_of_the_table(tenancy: Any) -> None:
    """Staff of an item's member never review or reopen it, whatever other roles they hold:
    it is a clause of the rows, so the object checks, the queues and the refusals agree."""
    world = _world(tenancy)
    coordinator, secretariat = tenancy.coordinator_a, tenancy.secretariat
    submitted = Case.objects.get(member=world.member_c, status="submitted", visibility="public")
    approved = Case.objects.get(member=world.member_c, status="approved", visibility="public")
    report = AnnualReport.objects.get(member=world.member_c, status="submitted")
    for actor in (coordinator, secretariat):
        assert policies.allows(actor, "case", "view", submitted)
        assert policies.allows(actor, "case", "view_history", submitted)
        for action in ("approve", "return", "review"):
            assert not policies.allows(actor, "case", action, submitted)
            assert not policies.allows(actor, "report", action, report)
            with pytest.raises(PermissionDenied, match="conflict of interest"):
                policies.require(actor, "case", action, submitted)
        assert review.allowed_actions(item=submitted, actor=actor) == []
        assert submitted not in case_selectors.review_queue(actor=actor, status="")
        assert report not in report_selectors.report_review_queue(actor=actor)[0]
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        policies.authorize(secretariat, "case", "reopen", approved)
    # The same people review the other members of the chapter.
    other = Case.objects.get(member=tenancy.member_a, status="submitted", visibility="public")
    assert policies.allows(coordinator, "case", "approve", other)
    assert review.allowed_actions(item=other, actor=coordinator) == ["approve", "return"]
    rows = {f"{k}.{a}": rule for k, a, rule, _seen in policies.rulebook.describe()}
    for row in ("case.approve", "case.return", "case.reopen", "report.approve", "report.reopen"):
        assert "not staff of member_id" in rows[row], row


def test_secretariat_checks_have_one_source() -> None:
    """The secretariat's rows use the one Secretariat rule; the network is the members'."""
    evidence = {f"{k}.{a}": r for k, a, r, _s in policies.rulebook.describe()}
    catalogue = {f"{k}.{a}": r for k, a, r, _s in catalogue_policies.rulebook.describe()}
    statistics = {f"{k}.{a}": r for k, a, r, _s in statistics_policies.rulebook.describe()}
    assert evidence["case.view_change_history"] == "secretariat"
    assert catalogue["exchange_rate.edit"] == "secretariat"
    assert catalogue["indicator.edit"] == "secretariat"
    assert statistics["statistic_slice.view_failures"] == "secretariat"
    network = str(member_policies.RULES[("member", "view_contacts")].rule)
    assert evidence["case.view_enterprise_names"] == network
    assert statistics["statistic.view_all_cells"] == network


def test_the_secretariats_pages_ask_the_rulebooks(client: Any, tenancy: Any) -> None:
    for role, expected in (("staff_a", 403), ("coordinator_a", 403), ("secretariat", 200)):
        client.force_login(getattr(tenancy, role))
        assert client.get(reverse("knowledge:stats-failures")).status_code == expected
        assert client.get(reverse("knowledge:case-history")).status_code == expected
        page = client.get(reverse("knowledge:catalogue"))
        assert ('id="rate-form"' in page.content.decode()) is (expected == 200)


# --- pages and API answer alike -----------------------------------------------------------------


def _outcome(status: int, location: str = "") -> str:
    if status == 401 or (status == 302 and "/accounts/login/" in location):
        return "log in"
    if status in (200, 201, 204) or status == 302:
        return "ok"
    return str(status)


def _page(tenancy: Any, role: str, method: str, url: str, data: dict[str, Any]) -> str:
    client = Client()
    if role != "visitor":
        client.force_login(getattr(tenancy, role))
    response = getattr(client, method)(url, data)
    return _outcome(response.status_code, response.get("Location", ""))


def _api(
    tenancy: Any, role: str, method: str, url: str, data: dict[str, Any], if_match: str = ""
) -> str:
    client = APIClient()
    if role != "visitor":
        client.force_authenticate(getattr(tenancy, role))
    kwargs: dict[str, Any] = {"format": "json"} if method != "get" else {}
    if if_match:
        kwargs["HTTP_IF_MATCH"] = if_match
    response = getattr(client, method)(url, data, **kwargs)
    return _outcome(response.status_code)


@dataclass(frozen=True)
class Request:
    """One situation, asked of a page and of the API. Writes carry bad input (a malformed
    version, an empty required field), so that who may act gets 400 from both and nothing is
    written."""

    page_method: str
    page_url: str
    page_data: dict[str, Any]
    api_method: str
    api_url: str
    api_data: dict[str, Any]
    if_match: str = ""


def _case_page(case: Case, name: str, *args: Any) -> str:
    return reverse(f"knowledge:{name}", args=[case.public_id, *args])


def _report_page(report: AnnualReport, name: str, **kwargs: Any) -> str:
    return reverse(
        f"knowledge:{name}", kwargs={"slug": report.member.slug, "year": report.year, **kwargs}
    )


def _action(action: str) -> Callable[[Any], Request]:
    def case(item: Any) -> Request:
        if isinstance(item, Case):
            page = _case_page(item, "case-action", action)
            api = f"/api/v1/cases/{item.public_id}/{action}/"
        else:
            page = _report_page(item, "report-action", action=action)
            api = f"/api/v1/reports/{item.pk}/{action}/"
        return Request("post", page, {"version": "v2"}, "post", api, {}, if_match="v2")

    return case


def _detail(item: Any) -> Request:
    if isinstance(item, Case):
        return Request(
            "get",
            _case_page(item, "case-detail"),
            {},
            "get",
            f"/api/v1/cases/{item.public_id}/",
            {},
        )
    return Request(
        "get", _report_page(item, "report-detail"), {}, "get", f"/api/v1/reports/{item.pk}/", {}
    )


def _edit(item: Any) -> Request:
    if isinstance(item, Case):
        return Request(
            "post",
            _case_page(item, "case-edit"),
            {"title": ""},
            "patch",
            f"/api/v1/cases/{item.public_id}/",
            {"title": ""},
        )
    return Request(
        "post",
        _report_page(item, "report-edit"),
        {"people_trained": "x"},
        "patch",
        f"/api/v1/reports/{item.pk}/",
        {"activity": {"people_trained": "x"}},
    )


OPERATIONS: dict[str, Callable[[Any], Request]] = {
    "detail": _detail,
    "edit": _edit,
    **{action: _action(action) for action in review.ACTIONS},
}


def _items(world: World, kind: str) -> list[Any]:
    """Items of member A in every state (cases also network-only), of member C (whose staff
    include Africa's coordinator and the secretariat) and of the suspended member D."""
    t = world.t
    members = (t.member_a, world.member_c, world.member_d)
    if kind == "case":
        return [
            Case.objects.filter(member=m, status=s, visibility=v).first()
            for m in members
            for s in STATES
            for v in ("public", "network")
            if m == t.member_a or v == "public"
        ]
    return [AnnualReport.objects.get(member=m, status=s) for m in members for s in STATES]


@pytest.mark.parametrize("kind", ["case", "report"])
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_pages_and_api_give_the_same_status(tenancy: Any, kind: str, operation: str) -> None:
    world = _world(tenancy)
    items = _items(world, kind)
    before = {(type(i), i.pk): (i.status, i.version) for i in items}
    outcomes: set[str] = set()
    differing: dict[str, Any] = {}
    for item in items:
        request = OPERATIONS[operation](item)
        for role in ROLES:
            page = _page(tenancy, role, request.page_method, request.page_url, request.page_data)
            api = _api(
                tenancy,
                role,
                request.api_method,
                request.api_url,
                request.api_data,
                request.if_match,
            )
            outcomes.add(page)
            if page != api:
                differing[f"{item.member.slug} {item.status} {role}"] = (page, api)
    assert not differing, f"{kind} {operation}: page vs API differ: {differing}"
    # The situations differ, so must the answers (a detail is seen or not; a write is also
    # refused with 403, or taken with the bad input's 400).
    assert len(outcomes) >= (2 if operation == "detail" else 3), outcomes
    for item in items:
        item.refresh_from_db()
        assert (item.status, item.version) == before[(type(item), item.pk)]


@pytest.mark.parametrize("kind", ["case", "report"])
def test_creating_for_a_member_answers_alike(tenancy: Any, kind: str) -> None:
    """The member is the object: 404 for a member the actor may not see, 403 for one it sees
    but does not write for, 400 (the bad input) for its staff — pages and API alike."""
    world = _world(tenancy)
    got: dict[str, dict[str, tuple[str, str]]] = {}
    for member in (tenancy.member_a, world.member_c, world.member_d):
        if kind == "case":
            page_url = reverse("knowledge:case-new", args=[member.slug])
            page_data: dict[str, Any] = {"title": ""}
            api_url, api_data = "/api/v1/cases/", {"member": member.slug, "title": ""}
        else:
            page_url = reverse("knowledge:report-new", args=[member.slug])
            page_data = {"year": "x"}
            api_url, api_data = "/api/v1/reports/", {"member": member.slug, "year": "x"}
        got[member.slug] = {
            role: (
                _page(tenancy, role, "post", page_url, page_data),
                _api(tenancy, role, "post", api_url, api_data),
            )
            for role in ROLES
        }
    differing = {
        f"{slug} {role}": pair
        for slug, rows in got.items()
        for role, pair in rows.items()
        if pair[0] != pair[1]
    }
    assert not differing, differing
    pages = {slug: {role: pair[0] for role, pair in rows.items()} for slug, rows in got.items()}
    assert pages["kncpc"] == {
        **dict.fromkeys(ROLES, "403"),
        "visitor": "log in",
        "staff_a": "400",
        "admin_a": "400",
    }
    assert pages["member-c"]["coordinator_a"] == "400"  # its staff, whatever else they are
    assert pages["member-d"]["staff_a"] == "404"  # suspended: only its chapter and the secretariat
    assert pages["member-d"]["coordinator_b"] == "403"
    assert Case.objects.count() == 2 * 4 * 4 and AnnualReport.objects.count() == 4 * 4


def test_the_review_queues_answer_alike(tenancy: Any) -> None:
    """No object: who reviews nothing gets 403 from both queues."""
    got = {
        role: (
            _page(tenancy, role, "get", reverse("knowledge:case-queue"), {}),
            _page(tenancy, role, "get", reverse("knowledge:report-queue"), {}),
        )
        for role in ROLES
    }
    assert {role: pair[0] for role, pair in got.items()} == {
        **dict.fromkeys(ROLES, "403"),
        "visitor": "log in",
        "coordinator_a": "ok",
        "coordinator_b": "ok",
        "secretariat": "ok",
    }
    assert all(case == report for case, report in got.values()), got


# --- roles are read once per request ------------------------------------------------------------


def test_a_case_page_reads_the_actors_memberships_once(client: Any, tenancy: Any) -> None:
    """The case page asks the rulebook many times — the MFA guard, the visibility filter,
    enterprise names, edit, the review actions, the history, the navigation — and reads the
    actor's memberships once."""
    case = make_case(tenancy.member_a, status=ReviewStatus.SUBMITTED)
    client.force_login(tenancy.coordinator_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("knowledge:case-detail", args=[case.public_id]))
    assert response.status_code == 200
    assert response.context["actions"] == ["approve", "return"]
    assert response.context["network"] and not response.context["can_edit"]
    lookups = [q["sql"] for q in queries.captured_queries if '"members_membership"' in q["sql"]]
    assert len(lookups) == 1, lookups
