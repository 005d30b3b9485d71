"""The members rulebook (members/policies.py): one table feeds the lists and the object checks,
pages and API answer alike, and the actor's roles are read once per request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Model, QuerySet
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from members import policies, selectors
from members.models import Application, Invitation, Member, Membership, Role, Status
from recpnet.roles import roles_cache
from tests import factories

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

# The object types of the table and where their rows live; a new type must be added here.
MODELS: dict[str, type[Model]] = {
    "member": Member,
    "application": Application,
    "invitation": Invitation,
}


def _actor(tenancy: Any, role: str) -> Any:
    return AnonymousUser() if role == "visitor" else getattr(tenancy, role)


def _world(tenancy: Any) -> None:
    """Besides the tenancy's two active members: members in every other status in both
    chapters, applications by different people in both chapters, and invitations."""
    for status in (Status.APPLICANT, Status.LAPSED, Status.SUSPENDED, Status.WITHDRAWN):
        for code in ("KE", "CO"):
            factories.MemberFactory(country=factories.country(code), status=status)
    for applicant, code in (
        (tenancy.outsider, "KE"),
        (tenancy.staff_b, "KE"),
        (tenancy.coordinator_a, "KE"),  # a coordinator applying in their own chapter
        (tenancy.outsider, "CO"),
    ):
        Application.objects.create(
            applicant=applicant,
            name=f"Applicant {Application.objects.count()}",
            country=factories.country(code),
            organisation_type="ncpc",
            description="Profile",
            track_record="Track record",
            contact_email="info@applicant.example.org",
            charter_accepted=True,
        )
    for member, admin in ((tenancy.member_a, tenancy.admin_a), (tenancy.member_b, tenancy.admin_b)):
        Invitation.objects.create(
            member=member,
            email="someone@example.org",
            role=Role.STAFF,
            invited_by=admin,
            expires_at=timezone.now() + dt.timedelta(days=14),
        )


def test_every_object_type_of_the_table_is_covered() -> None:
    assert {kind for kind, _action in policies.RULES} == set(MODELS)


def test_the_table_drives_both_the_lists_and_the_object_checks(tenancy: Any) -> None:
    """For every role, object and action: in the filtered list ⇔ the object check passes."""
    _world(tenancy)
    checked = 0
    for role in ROLES:
        actor = _actor(tenancy, role)
        for kind, action in policies.RULES:
            model = MODELS[kind]
            base: QuerySet[Any] = model._default_manager.all()
            listed = set(
                policies.filter_allowed(base, actor, kind, action).values_list("pk", flat=True)
            )
            for obj in base:
                allowed = policies.allows(actor, kind, action, obj)
                assert (obj.pk in listed) == allowed, (
                    f"{kind}.{action} as {role} on {obj}: list says {obj.pk in listed}, "
                    f"object check says {allowed}"
                )
                checked += 1
    assert checked > 500


def test_require_hides_what_the_actor_may_not_see_and_refuses_the_rest(tenancy: Any) -> None:
    """404 for an object the actor may not see (its ``seen_via`` rule), 403 for one it sees."""
    _world(tenancy)
    for role in ROLES:
        actor = _actor(tenancy, role)
        for (kind, action), entry in policies.RULES.items():
            for obj in MODELS[kind]._default_manager.all():
                if policies.allows(actor, kind, action, obj):
                    policies.require(actor, kind, action, obj)
                    continue
                sees = entry.seen_via is not None and policies.allows(
                    actor, kind, entry.seen_via, obj
                )
                with pytest.raises(PermissionDenied if sees else Http404):
                    policies.require(actor, kind, action, obj)


# Written out, not computed: the expected answer for a few (role, object, action), so that a
# change to the table or to Rulebook.require that the loops above would follow shows here.
MEMBER_PINNED = (
    # (actor, member, action, expected: 200 allowed, 404 hidden, 403 seen but refused)
    ("visitor", "active_a", "view", 200),
    ("visitor", "suspended_ke", "view", 404),
    ("visitor", "active_a", "edit", 403),
    ("outsider", "active_a", "view_workspace", 404),
    ("staff_a", "active_a", "edit", 403),
    ("staff_a", "active_a", "manage_staff", 403),
    ("admin_a", "active_a", "edit", 200),
    ("admin_a", "active_a", "edit_identity", 403),
    ("admin_b", "active_a", "edit", 403),
    ("admin_b", "active_a", "manage_staff", 404),
    ("coordinator_a", "suspended_ke", "view", 200),
    ("coordinator_a", "suspended_ke", "manage", 403),
    ("coordinator_b", "suspended_ke", "view", 404),
    ("coordinator_b", "suspended_ke", "view_record", 404),
    ("secretariat", "suspended_ke", "manage", 200),
    ("secretariat", "active_a", "view_workspace", 200),
)
APPLICATION_PINNED = (
    # (actor, application's applicant, action, expected)
    ("outsider", "staff_b", "view", 404),
    ("staff_b", "staff_b", "view", 200),
    ("staff_b", "staff_b", "recommend", 403),
    ("coordinator_a", "staff_b", "recommend", 200),  # staff_b applies in Kenya (Africa)
    ("coordinator_b", "staff_b", "view", 404),
    ("coordinator_a", "coordinator_a", "recommend", 403),  # their own application
    ("secretariat", "staff_b", "decide", 200),
    ("coordinator_a", "staff_b", "decide", 403),
)


def _status(check: Any, *args: Any) -> int:
    try:
        check(*args)
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    return 200


def test_pinned_expectations(tenancy: Any) -> None:
    _world(tenancy)
    members = {
        "active_a": tenancy.member_a,
        "suspended_ke": Member.objects.get(status=Status.SUSPENDED, country__code="KE"),
    }
    for role, name, action, expected in MEMBER_PINNED:
        got = _status(policies.require, _actor(tenancy, role), "member", action, members[name])
        assert got == expected, (role, name, action)
    for role, applicant, action, expected in APPLICATION_PINNED:
        application = Application.objects.get(applicant=getattr(tenancy, applicant))
        got = _status(policies.require, _actor(tenancy, role), "application", action, application)
        assert got == expected, (role, applicant, action)


def test_the_selectors_list_what_the_table_allows(tenancy: Any) -> None:
    _world(tenancy)
    for role in ROLES:
        actor = _actor(tenancy, role)
        visible = set(selectors.members_visible_to(actor=actor))
        assert visible == {
            m for m in Member.objects.all() if policies.allows(actor, "member", "view", m)
        }
        assert set(selectors.directory(actor=actor)) == {
            m for m in visible if m.status == Status.ACTIVE
        }
        assert set(selectors.applications_visible_to(actor=actor)) == {
            a for a in Application.objects.all() if policies.allows(actor, "application", "view", a)
        }


def test_nobody_recommends_or_decides_their_own_application(tenancy: Any) -> None:
    _world(tenancy)
    own = Application.objects.get(applicant=tenancy.coordinator_a)
    assert policies.allows(tenancy.coordinator_a, "application", "view", own)
    assert not policies.allows(tenancy.coordinator_a, "application", "recommend", own)
    with pytest.raises(PermissionDenied):
        policies.require(tenancy.coordinator_a, "application", "recommend", own)
    assert policies.allows(tenancy.secretariat, "application", "recommend", own)


def test_secretariat_checks_have_one_source() -> None:
    """Every secretariat-only row of the table uses the one Secretariat rule."""
    rows = {f"{kind}.{action}": rule for kind, action, rule, _seen in policies.rulebook.describe()}
    assert rows["member.manage"] == "secretariat & not staff of pk"
    assert rows["member.create"] == "secretariat"
    assert rows["application.decide"] == "secretariat & not actor is applicant_id"


# --- pages and API answer alike -----------------------------------------------------------------


def _outcome(status: int, location: str = "") -> str:
    if status == 401 or (status == 302 and "/accounts/login/" in location):
        return "log in"
    if status in (200, 201, 204) or status == 302:
        return "ok"
    return str(status)


def _page(tenancy: Any, role: str, method: str, url: str, data: dict[str, Any]) -> str:
    from django.test import Client

    client = Client()
    if role != "visitor":
        client.force_login(getattr(tenancy, role))
    response = getattr(client, method)(url, data)
    return _outcome(response.status_code, response.get("Location", ""))


def _api(tenancy: Any, role: str, method: str, url: str, data: dict[str, Any]) -> str:
    client = APIClient()
    if role != "visitor":
        token_key = factories.api_token(getattr(tenancy, role))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
    kwargs = {"format": "json"} if method != "get" else {}
    response = getattr(client, method)(url, data, **kwargs)
    return _outcome(response.status_code)


# (page name, page method, page data, API path, API method, API data); bad input for writes, so
# that the right role gets 400 from both and nothing is written.
PAIRS = (
    ("members:detail", "get", {}, "/api/v1/members/{slug}/", "get", {}),
    ("members:eligibility", "get", {}, "/api/v1/members/{slug}/eligibility/", "get", {}),
    (
        "members:edit",
        "post",
        {"themes": ["nope"]},
        "/api/v1/members/{slug}/",
        "patch",
        {"themes": ["nope"]},
    ),
    ("members:change_tier", "post", {}, "/api/v1/members/{slug}/tier/", "post", {}),
)


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.SUSPENDED])
@pytest.mark.parametrize(
    # Not "page": that name is pytest-playwright's browser fixture, which would make this a
    # browser test (reordered among them, after transactional tests had emptied the tables).
    ("page_name", "page_method", "page_data", "api", "api_method", "api_data"),
    PAIRS,
    ids=[p[0] for p in PAIRS],
)
def test_pages_and_api_give_the_same_status(
    tenancy: Any,
    status: str,
    page_name: str,
    page_method: str,
    page_data: dict[str, Any],
    api: str,
    api_method: str,
    api_data: dict[str, Any],
) -> None:
    Member.objects.filter(pk=tenancy.member_a.pk).update(status=status)
    slug = tenancy.member_a.slug
    page_url = reverse(page_name, args=[slug])
    api_url = api.format(slug=slug)
    got = {
        role: (
            _page(tenancy, role, page_method, page_url, page_data),
            _api(tenancy, role, api_method, api_url, api_data),
        )
        for role in ROLES
    }
    differing = {role: pair for role, pair in got.items() if pair[0] != pair[1]}
    assert not differing, f"page vs API differ for a {status} member: {differing}"
    if page_method != "get":
        assert {role: pair[0] for role, pair in got.items()}["secretariat"] == "400"


# --- roles are read once per request ------------------------------------------------------------


def _membership_lookups(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "members_membership"' in q["sql"]]


def test_a_page_reads_the_actors_memberships_once(client: Any, tenancy: Any) -> None:
    """The member page asks about roles many times — the MFA guard, the visibility filter, the
    contact details, the workspace and manage buttons, the navigation — and reads the
    actor's memberships once."""
    client.force_login(tenancy.staff_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("members:detail", args=["kncpc"]))
    assert response.status_code == 200
    assert response.context["can_see_workspace"] and response.context["contacts"]
    assert len(_membership_lookups(queries)) == 1, _membership_lookups(queries)


def test_an_action_reads_the_actors_roles_once(client: Any, tenancy: Any) -> None:
    """Recommending an application: the page's check, the service's check and the page's
    buttons all ask the rulebook; the coordinator's roles are read once."""
    _world(tenancy)
    application = Application.objects.get(applicant=tenancy.outsider, country_id="KE")
    client.force_login(tenancy.coordinator_a)
    url = reverse("members:application_recommend", args=[application.reference])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"recommend": "yes", "comment": "Good"})
    assert response.status_code == 302
    assert len(_membership_lookups(queries)) == 1, _membership_lookups(queries)
    coordinated = [q for q in queries.captured_queries if '"chapters_coordinator"' in q["sql"]]
    assert len(coordinated) == 1, coordinated


def test_outside_a_request_role_changes_are_seen_at_once(tenancy: Any) -> None:
    outsider = tenancy.outsider
    assert not policies.allows(outsider, "member", "view_workspace", tenancy.member_a)
    membership = Membership.objects.create(user=outsider, member=tenancy.member_a)
    assert policies.allows(outsider, "member", "view_workspace", tenancy.member_a)
    membership.delete()
    assert not policies.allows(outsider, "member", "view_workspace", tenancy.member_a)


def test_within_a_request_a_role_change_is_seen_after_the_write(tenancy: Any) -> None:
    outsider = tenancy.outsider
    with roles_cache():
        assert selectors.roles_for(actor=outsider) is selectors.roles_for(actor=outsider)
        assert not policies.allows(outsider, "member", "view_workspace", tenancy.member_a)
        Membership.objects.create(user=outsider, member=tenancy.member_a)
        assert policies.allows(outsider, "member", "view_workspace", tenancy.member_a)
        suspended = factories.MemberFactory(
            country=factories.country("TZ"), slug="suspended-tz", status=Status.SUSPENDED
        )
        assert not policies.allows(outsider, "member", "view", suspended)
        factories.CoordinatorFactory(user=outsider, chapter=factories.chapter("africa"))
        assert policies.allows(outsider, "member", "view", suspended)  # now its coordinator


def test_the_admin_writes_through_the_services(client: Any, tenancy: Any) -> None:
    """The member admin saves through member_update and member_create: the rulebook's and the
    service's refusals are error messages (not a 500), and nothing changes."""
    from tests.test_round_trip import form_as_browser

    url = reverse("admin:members_member_change", args=[tenancy.member_a.pk])

    def post(user: Any, **changes: str) -> list[str]:
        client.force_login(user)
        data = form_as_browser(client.get(url).content.decode(), "country")
        data.update({name: [value] for name, value in changes.items()})
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        return [str(m) for m in response.context["messages"] if m.level_tag == "error"]

    superuser = factories.UserFactory(is_staff=True, is_superuser=True)  # not the secretariat
    assert post(superuser, country="CO") == [str(policies.RULES[("member", "edit")].refusal)]
    secretariat = tenancy.secretariat
    type(secretariat).objects.filter(pk=secretariat.pk).update(is_staff=True, is_superuser=True)
    secretariat.refresh_from_db()
    # The service's own check (a page's path is not a slug); the form alone would take it.
    assert post(secretariat, slug="expertise", country="CO") == [
        "The slug “expertise” is reserved."
    ]
    tenancy.member_a.refresh_from_db()
    assert (tenancy.member_a.slug, tenancy.member_a.country_id) == ("kncpc", "KE")
    assert post(secretariat, country="CO") == []
    assert Member.objects.get(pk=tenancy.member_a.pk).country_id == "CO"

    # Recording a member: through member_create (its first tier and status rows).
    add = reverse("admin:members_member_add")
    data = form_as_browser(client.get(add).content.decode(), "country")
    data.update(
        name=["Tanzania CPC"], slug=["tanzania-cpc"], country=["TZ"], organisation_type=["ncpc"]
    )
    factories.country("TZ")
    assert client.post(add, data).status_code == 302
    member = Member.objects.get(slug="tanzania-cpc")
    assert member.tier_changes.count() == 1 and member.status_changes.count() == 1


def test_the_secretariat_never_changes_the_tier_of_its_own_member(tenancy: Any) -> None:
    """Tier, status and seats are merit decisions: a secretariat officer who is staff of a
    member may not take them for that member (page, API and service share this row)."""
    from members import services

    officer = tenancy.secretariat
    Membership.objects.create(user=officer, member=tenancy.member_a, role=Role.STAFF)
    assert not policies.allows(officer, "member", "manage", tenancy.member_a)
    assert policies.allows(officer, "member", "manage", tenancy.member_b)
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        services.member_change_tier(
            actor=officer,
            member=tenancy.member_a,
            tier="regular",
            effective_on=dt.date(2020, 1, 1),
            reason="Evidence for three years",
        )
    tenancy.member_a.refresh_from_db()
    assert tenancy.member_a.tier != "regular"
