"""The members rulebook: who may see and do what with member organisations and applications.

One table of (object type, action) → rule over the actor's roles. The selectors filter lists,
the directory, exports and API lists with it (:meth:`~recpnet.rulebook.Rulebook.filter_allowed`),
pages and API check one object with it (:meth:`~recpnet.rulebook.Rulebook.require`: 404 for who
may not see the object, 403 for who sees it but may not act), and services refuse with it
(:meth:`~recpnet.rulebook.Rulebook.authorize`). Nothing else in this app decides access.

Conflict of interest: nobody recommends or decides on an application they filed themselves,
whatever other roles they hold.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from recpnet.roles import ActorRoles, roles_for
from recpnet.rulebook import (
    SECRETARIAT,
    ActorIs,
    ActorRule,
    Authenticated,
    CoordinatorOf,
    CoordinatorOfAny,
    Entry,
    FieldIn,
    Rulebook,
    StaffOf,
)

from .models import Role, Status


class StaffOfAnActiveMember(ActorRule):
    """The actor is staff of at least one active member (a network user)."""

    def holds(self, roles: ActorRoles) -> bool:
        return any(m.member.status == Status.ACTIVE for m in roles.memberships)

    def __str__(self) -> str:
        return "staff of an active member"


# On a member (the paths start from Member).
ACTIVE = FieldIn("status", Status.ACTIVE)
ITS_STAFF = StaffOf("pk")
ITS_ADMINS = StaffOf("pk", role=Role.ADMIN)
ITS_COORDINATORS = CoordinatorOf("country__chapter_id")

# On an application.
APPLICANT = ActorIs("applicant_id")
APPLICATION_COORDINATORS = CoordinatorOf("country__chapter_id")

RULES: dict[tuple[str, str], Entry] = {
    # The public profile: active members for everyone; the others for their staff, their
    # chapter's coordinators and the secretariat.
    ("member", "view"): Entry(ACTIVE | ITS_STAFF | ITS_COORDINATORS | SECRETARIAT),
    # Private record (eligibility, tier and status history).
    ("member", "view_record"): Entry(ITS_STAFF | ITS_COORDINATORS | SECRETARIAT),
    # The workspace: staff list, invitations.
    ("member", "view_workspace"): Entry(ITS_STAFF | SECRETARIAT),
    # Network-only contact details: about the actor, the same for every member shown.
    ("member", "view_contacts"): Entry(SECRETARIAT | CoordinatorOfAny() | StaffOfAnActiveMember()),
    ("member", "edit"): Entry(
        ITS_ADMINS | SECRETARIAT,
        seen_via="view",
        refusal=_("Only the member's admins or the secretariat may edit it."),
    ),
    # Name, slug, country, type, founding flag, joined date.
    ("member", "edit_identity"): Entry(
        SECRETARIAT, seen_via="view", refusal=_("Only the secretariat may change these fields.")
    ),
    ("member", "manage_staff"): Entry(
        ITS_ADMINS | SECRETARIAT,
        seen_via="view_workspace",
        refusal=_("Only the member's admins may manage its staff and invitations."),
    ),
    # Tier, status and Executive Committee seats: merit decisions, so never by the member's own
    # staff (conflict of interest), even when they hold the secretariat role.
    ("member", "manage"): Entry(
        SECRETARIAT & ~ITS_STAFF,
        seen_via="view",
        refusal=_(
            "Only the secretariat may change tiers, status and seats, and never of a member "
            "one is staff of (conflict of interest)."
        ),
    ),
    ("member", "create"): Entry(SECRETARIAT, refusal=_("Only the secretariat may record members.")),
    # The secretariat's list of every member, its counts and exports.
    ("member", "list_all"): Entry(
        SECRETARIAT, refusal=_("Only the secretariat may list every member.")
    ),
    ("application", "view"): Entry(APPLICANT | APPLICATION_COORDINATORS | SECRETARIAT),
    ("application", "recommend"): Entry(
        (APPLICATION_COORDINATORS | SECRETARIAT) & ~APPLICANT,
        seen_via="view",
        refusal=_("Only the chapter's coordinator may recommend this application."),
    ),
    ("application", "decide"): Entry(
        SECRETARIAT & ~APPLICANT,
        seen_via="view",
        refusal=_("Only the secretariat decides on applications."),
    ),
    ("application", "submit"): Entry(Authenticated(), refusal=_("Log in or sign up to apply.")),
    # A member's pending invitations, to withdraw them. (The invitee opens one by its
    # unguessable token, and accepting it checks the address: no role is involved.)
    ("invitation", "manage"): Entry(StaffOf("member_id", role=Role.ADMIN) | SECRETARIAT),
}

rulebook = Rulebook(RULES, roles_for=roles_for)

filter_allowed, get, allows, require, authorize = rulebook.verbs()
