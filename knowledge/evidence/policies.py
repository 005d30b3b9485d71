"""The evidence rulebook: who may see and do what with cases, their attachments and imports,
and annual reports.

One table of (object type, action) → rule over the actor's roles. The selectors filter the
library, lists, exports, API lists and the review queues with it
(:meth:`~recpnet.rulebook.Rulebook.filter_allowed`); pages, API and the review machinery check
one object with it (:func:`require`: 404 for who may not see the object, 403 for who sees it but
may not act); services refuse with it. Nothing else in this layer decides access.

Who sees a case or a report:

- its member's staff: all of their organisation's items, drafts included;
- the coordinators of its member's chapter and the secretariat: everything past draft (never
  another tenant's drafts);
- the network (staff of an active member, any coordinator, the secretariat): approved items;
- everyone: approved public cases, and those of their attachments the uploader made public
  (reports are network data: the public sees the statistics).

Review (approve, return) is for the chapter's coordinators and the secretariat; reopening is the
secretariat's; submitting and editing are the member's staff's. Whether the item's state allows
an action is the state machine's (``review.RULES``: 409), not the rulebook's.

Conflict of interest: nobody reviews or reopens an item of a member organisation they are staff
of, whatever other roles they hold (a coordinator or secretariat officer invited as staff): the
rule is part of each reviewing row (``& ~its_staff``), and the refusal names it (the
rulebook's ``explain``: :func:`_conflict`). (Verification, when it comes, takes the same clause.)

"Create for a member" (write a case, import cases, write an annual report) has the member as
its object: 404 for a member whose profile the actor may not see, 403 for one it may.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from knowledge.evidence.models.cases import Visibility
from knowledge.evidence.models.review import ReviewStatus
from members import policies as member_policies
from recpnet.roles import ActorRoles, roles_for
from recpnet.rulebook import (
    SECRETARIAT,
    CoordinatorOf,
    CoordinatorOfAny,
    Entry,
    FieldIn,
    Rule,
    Rulebook,
    StaffOf,
)

# The members rulebook's answers, used here rather than restated.
# A member's public profile: whether the actor sees the member an item would be written for.
MEMBER_VISIBLE = member_policies.RULES[("member", "view")].rule
# The network: staff of an active member, any coordinator, the secretariat (about the actor).
NETWORK = member_policies.RULES[("member", "view_contacts")].rule
REVIEWERS_OF_ANY_CHAPTER = CoordinatorOfAny() | SECRETARIAT

# The actions a member's own staff never take on its items, whatever other roles they hold.
CONFLICTED_ACTIONS = frozenset({"review", "approve", "return", "reopen"})


class ItemRules:
    """The clauses about one reviewed item (a case, a report), reached from the object by
    ``prefix`` ("" on the item itself, "case__" from an attachment)."""

    def __init__(self, prefix: str = "", *, public_visibility: bool = False) -> None:
        self.its_staff = StaffOf(f"{prefix}member_id")
        self.its_reviewers = CoordinatorOf(f"{prefix}member__country__chapter_id") | SECRETARIAT
        self.approved = FieldIn(f"{prefix}status", ReviewStatus.APPROVED)
        self.past_draft = ~FieldIn(f"{prefix}status", ReviewStatus.DRAFT)
        shared: Rule = NETWORK
        if public_visibility:
            shared = FieldIn(f"{prefix}visibility", Visibility.PUBLIC) | NETWORK
        self.view = (
            (self.approved & shared) | self.its_staff | (self.past_draft & self.its_reviewers)
        )
        # The review history (reviewers' names and comments): between the member and its
        # reviewers, never the rest of the network.
        self.view_history = self.its_staff | (self.past_draft & self.its_reviewers)
        self.review = self.past_draft & self.its_reviewers & ~self.its_staff
        self.reopen = self.past_draft & SECRETARIAT & ~self.its_staff


CASE = ItemRules(public_visibility=True)
# An attachment is network data, seen as a network-only case is (``ATTACHMENT.view``), unless
# its uploader made it public: then, like its case, by everyone once the case is approved and
# public. (Only a file that does not name the enterprise may be public: the services' rule.)
ATTACHMENT = ItemRules("case__")
PUBLIC_ATTACHMENT = (
    FieldIn("visibility", Visibility.PUBLIC)
    & FieldIn("case__visibility", Visibility.PUBLIC)
    & ATTACHMENT.approved
)
REPORT = ItemRules()

# On a member (the paths start from Member).
MEMBER_STAFF = StaffOf("pk")

REVIEW_QUEUE = _("The review queue is for chapter coordinators and the secretariat.")
WRITE_CASES = _("Only the member's staff write its cases.")
WRITE_REPORTS = _("Only the member's staff write its annual reports.")
REVIEW = _("Only the coordinators of the member's chapter or the secretariat review its items.")
REOPEN = _("Only the secretariat reopens approved items.")


def _reviewed(kind: str, item: ItemRules, write: Any) -> dict[tuple[str, str], Entry]:
    """The rows every reviewed type has."""
    review = Entry(item.review, seen_via="view", refusal=REVIEW)
    return {
        (kind, "view"): Entry(item.view),
        (kind, "view_history"): Entry(item.view_history, seen_via="view"),
        # Editing and submitting: the member's staff (a locked item is a conflict, 409).
        (kind, "edit"): Entry(item.its_staff, seen_via="view", refusal=write),
        (kind, "submit"): Entry(item.its_staff, seen_via="view", refusal=write),
        # The items the actor reviews (their queue), and the two review actions.
        (kind, "review"): review,
        (kind, "approve"): review,
        (kind, "return"): review,
        (kind, "reopen"): Entry(item.reopen, seen_via="view", refusal=REOPEN),
        # The queue page itself (no object): 403 for who reviews nothing.
        (kind, "review_queue"): Entry(REVIEWERS_OF_ANY_CHAPTER, refusal=REVIEW_QUEUE),
    }


RULES: dict[tuple[str, str], Entry] = {
    **_reviewed("case", CASE, WRITE_CASES),
    # Enterprise names never leave the network (pages, exports, API).
    ("case", "view_enterprise_names"): Entry(NETWORK),
    # Who changed what in cases, reports and the catalogue (no object).
    ("case", "view_change_history"): Entry(
        SECRETARIAT, refusal=_("The change history is for the secretariat.")
    ),
    # Attachments: public ones with their approved public case, the others by the network as
    # the case's rules allow (lists, the case page and downloads alike); removed, and made
    # public or network-only, by who edits the case.
    ("case_attachment", "view"): Entry(PUBLIC_ATTACHMENT | ATTACHMENT.view),
    ("case_attachment", "edit"): Entry(ATTACHMENT.its_staff, seen_via="view", refusal=WRITE_CASES),
    ("case_attachment", "delete"): Entry(
        ATTACHMENT.its_staff, seen_via="view", refusal=WRITE_CASES
    ),
    # An import's progress and errors: the member's staff.
    ("case_import_job", "view"): Entry(StaffOf("member_id")),
    **_reviewed("report", REPORT, WRITE_REPORTS),
    # Writing for a member: the member is the object.
    ("member", "view"): Entry(MEMBER_VISIBLE),
    ("member", "create_case"): Entry(MEMBER_STAFF, seen_via="view", refusal=WRITE_CASES),
    ("member", "import_cases"): Entry(MEMBER_STAFF, seen_via="view", refusal=WRITE_CASES),
    ("member", "create_report"): Entry(MEMBER_STAFF, seen_via="view", refusal=WRITE_REPORTS),
}


def _conflict(roles: ActorRoles, action: str, obj: Any) -> str | None:
    """The refusal of a review or reopening by the item's own member's staff says why."""
    if action in CONFLICTED_ACTIONS and obj is not None and CASE.its_staff.test(roles, obj):
        return gettext(
            "You are staff of %(member)s: someone who is not must review its work "
            "(conflict of interest)."
        ) % {"member": obj.member.name}
    return None


# Pages, API and the review machinery ask ``require`` (404 for an object the actor may not see,
# else 403), services ``authorize`` (403); a conflict of interest says so (``_conflict``).
rulebook = Rulebook(RULES, roles_for=roles_for, explain=_conflict)
filter_allowed, get, allows, require, authorize = rulebook.verbs()


def conflict_of_interest(actor: Any, item: Any) -> bool:
    """The actor is staff of the item's member: they never review or reopen it."""
    return CASE.its_staff.test(rulebook.roles(actor), item)
