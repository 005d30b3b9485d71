"""Routes of members: directory, profiles, member workspaces, applications, growth, secretariat.

POST-only pages are requested with an empty form: the order of answers is the contract —
404 for who may not see the object, 403 for who may see but not act, then 400 (or a redirect
back with messages) for the right role with bad input.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from members.models import Application, Invitation, Role
from tests import factories

from .routes import Route, everyone, logged_in

WORKSPACE = {
    "visitor": 302,
    "outsider": 404,
    "staff_a": 200,
    "admin_a": 200,
    "staff_b": 404,
    "coordinator_a": 404,
    "coordinator_b": 404,
    "secretariat": 200,
}
MANAGE_STAFF = {**WORKSPACE, "staff_a": 403, "admin_a": 302, "secretariat": 302}
PRIVATE = {**WORKSPACE, "coordinator_a": 200}
# Member A is active, so everyone sees it: acting on it without the role is 403 (as in the API).
SECRETARIAT_MEMBER = {"*": 403, "visitor": 302, "secretariat": 200}
SECRETARIAT_MEMBER_POST = {**SECRETARIAT_MEMBER, "secretariat": 400}
SECRETARIAT_ONLY = {"*": 403, "visitor": 302, "secretariat": 200}
APPLICATION = {
    "*": 404,
    "visitor": 302,
    "outsider": 200,
    "coordinator_a": 200,
    "secretariat": 200,
}


def _member_a(t: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"slug": t.member_a.slug}


def _invitation(t: Any) -> dict[str, Any]:
    invitation = Invitation.objects.create(
        member=t.member_a,
        email="new.person@example.org",
        role=Role.STAFF,
        invited_by=t.admin_a,
        expires_at=timezone.now() + dt.timedelta(days=14),
    )
    return {"invitation": invitation}


def _application(t: Any) -> dict[str, Any]:
    application = Application.objects.create(
        applicant=t.outsider,
        name="Nairobi Resource Efficiency Institute",
        country=factories.country("KE"),
        organisation_type="other_provider",
        description="RECP services in East Africa.",
        track_record="120 assessments since 2012.",
        contact_email="info@nrei.example.org",
        charter_accepted=True,
    )
    return {"application": application}


def _staff_a_membership(t: Any) -> dict[str, Any]:
    return {"membership": t.member_a.memberships.get(user=t.staff_a)}


ROUTES = {
    "members:directory": Route(expect=everyone(200)),
    "members:expertise": Route(expect=everyone(200)),
    "members:detail": Route(expect=everyone(200), kwargs=_member_a),
    "members:workspace": Route(expect=WORKSPACE, kwargs=_member_a),
    "members:edit": Route(
        expect={"*": 403, "visitor": 302, "admin_a": 200, "secretariat": 200},
        kwargs=_member_a,
        note="member A is public: who may not edit it gets 403, as from PATCH in the API",
    ),
    "members:eligibility": Route(expect=PRIVATE, kwargs=_member_a),
    "members:invite": Route(expect=MANAGE_STAFF, kwargs=_member_a, method="post"),
    "members:staff_remove": Route(
        expect=MANAGE_STAFF,
        setup=_staff_a_membership,
        kwargs=lambda t, ctx: {"slug": t.member_a.slug, "pk": ctx["membership"].pk},
        method="post",
    ),
    "members:invitation_revoke": Route(
        expect=MANAGE_STAFF,
        setup=_invitation,
        kwargs=lambda t, ctx: {"slug": t.member_a.slug, "pk": ctx["invitation"].pk},
        method="post",
    ),
    "members:manage": Route(expect=SECRETARIAT_MEMBER, kwargs=_member_a),
    "members:change_tier": Route(expect=SECRETARIAT_MEMBER_POST, kwargs=_member_a, method="post"),
    "members:change_status": Route(expect=SECRETARIAT_MEMBER_POST, kwargs=_member_a, method="post"),
    "members:add_seat": Route(expect=SECRETARIAT_MEMBER_POST, kwargs=_member_a, method="post"),
    "members:invitation": Route(
        expect=logged_in(200),
        setup=_invitation,
        kwargs=lambda t, ctx: {"token": ctx["invitation"].token},
        note="the page names the invited address; accepting checks it",
    ),
    "members:apply": Route(expect=logged_in(200)),
    "members:applications": Route(expect=logged_in(200)),
    "members:application": Route(
        expect=APPLICATION,
        setup=_application,
        kwargs=lambda t, ctx: {"reference": ctx["application"].reference},
    ),
    "members:application_recommend": Route(
        expect={**APPLICATION, "outsider": 403, "coordinator_a": 400, "secretariat": 400},
        setup=_application,
        kwargs=lambda t, ctx: {"reference": ctx["application"].reference},
        method="post",
    ),
    "members:application_decide": Route(
        expect={**APPLICATION, "outsider": 403, "coordinator_a": 403, "secretariat": 400},
        setup=_application,
        kwargs=lambda t, ctx: {"reference": ctx["application"].reference},
        method="post",
    ),
    "members:growth": Route(expect=everyone(200)),
    "members:growth_csv": Route(expect=everyone(200)),
    "members:secretariat_members": Route(expect=SECRETARIAT_ONLY),
    "members:export_csv": Route(expect=SECRETARIAT_ONLY),
    "members:export_xlsx": Route(expect=SECRETARIAT_ONLY),
    # API
    "api-members": Route(expect=everyone(200)),
    "api-member": Route(expect=everyone(200), kwargs=_member_a, note="member A is active"),
    "api-member-tier": Route(
        expect={"*": 403, "visitor": 401, "secretariat": 400},
        kwargs=_member_a,
        method="post",
        note="visible to all (active); only the secretariat may act",
    ),
    "api-member-eligibility": Route(expect={**PRIVATE, "visitor": 401}, kwargs=_member_a),
    "api-network-growth": Route(expect=everyone(200)),
}
