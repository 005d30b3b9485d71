"""The review machinery, written once for every reviewed type (cases, annual reports, and the
types to come).

A type takes part by registering a :class:`ReviewedType` (its model, what blocks its
submission, how it is named, its page and its reviewers' queue, its email templates, who its
reviewers are). From then on, for every type alike:

- **one path for the actions**: :func:`act` — pages, API and the services' named functions go
  through it. One exception: the demo loader (``knowledge.demo.cases``) writes the seed's cases
  as submitted and records their submit :class:`Transition` itself, because no member's staff
  submitted them (only staff may, and a demo member may have none) and the submission is dated
  after the published case rather than today, without emailing the chapter; their approval
  goes through :func:`act`;
- **one locking technique, the claim**: one conditional UPDATE ``WHERE status = <read> AND
  version = <read>`` that bumps ``version``. Of two people acting on one item at once exactly one
  claims the row and the other gets :class:`~recpnet.exceptions.ConflictError`; edits of drafts
  claim the same way (:func:`claim_edit`), so an edit and a submission can never interleave;
- **one error vocabulary**: ``Http404`` (may not see the item), ``PermissionDenied`` (sees it,
  may not act; a conflict of interest says so), ``ValidationError`` naming the field (``comment``,
  ``version``, ``action``, or the item's own hard errors on submit), ``ConflictError`` (the
  state or the version moved on). Pages map it in ``views/review.py``, the API in
  ``api/review.py`` with ``recpnet.api.exception_handler``;
- **one notification path**: every transition is recorded, a
  :class:`~knowledge.evidence.events.ReviewedItemChanged` event is published *inside* its
  transaction (so the statistics' dirty slices commit with it), and the hooks registered with
  :func:`on_transition` (the emails of ``notifications``) run *after* the commit — never for a
  transition that rolled back;
- **one reminder system** (``reminders``), whose review-queue reminders walk the registered types.

The claim bypasses simple_history's signals, so the new state is added to the item's history
(with the actor) explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.evidence import policies
from knowledge.evidence.events import ReviewedItemChanged
from knowledge.evidence.models.review import Reviewable, ReviewAction, ReviewStatus, Transition
from members.models import Member
from recpnet import bounds, events
from recpnet.exceptions import ConflictError
from recpnet.history import record_change

logger = logging.getLogger(__name__)

ItemT = TypeVar("ItemT", bound=Reviewable)


# --- the state machine ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[str]
    to_state: str
    comment_required: bool


RULES: dict[str, Rule] = {
    ReviewAction.SUBMIT: Rule(
        frozenset({ReviewStatus.DRAFT, ReviewStatus.RETURNED}),
        ReviewStatus.SUBMITTED,
        False,
    ),
    ReviewAction.APPROVE: Rule(frozenset({ReviewStatus.SUBMITTED}), ReviewStatus.APPROVED, False),
    ReviewAction.RETURN: Rule(frozenset({ReviewStatus.SUBMITTED}), ReviewStatus.RETURNED, True),
    ReviewAction.REOPEN: Rule(frozenset({ReviewStatus.APPROVED}), ReviewStatus.RETURNED, True),
}
ACTIONS: tuple[str, ...] = tuple(str(a) for a in RULES)
EDITABLE: frozenset[str] = frozenset({ReviewStatus.DRAFT, ReviewStatus.RETURNED})
# The columns a transition's claim writes.
CLAIMED_FIELDS = ("status", "version", "updated_at", "submitted_at", "approved_at", "approved_by")

# What an action did, for messages ("the case is approved"); the choices' labels are the
# history's ("Approved", "Returned", …).
DONE: dict[str, str] = {str(a): str(a.label).lower() for a in ReviewAction}


# --- reviewed types -------------------------------------------------------------------------


def chapter_reviewers(item: Reviewable) -> QuerySet[Any]:
    """Who hears of the item's submission and of its wait in the queue: the active coordinators
    of its chapter whom the evidence rulebook lets review it (``policies``: never staff of the
    item's member, a conflict of interest); where that leaves nobody, the secretariat, which
    may stand in for any chapter (a submission must reach someone), under the same rule."""
    kind = reviewed_type(item).name
    users = get_user_model().objects.filter(is_active=True)

    def may_review(candidates: QuerySet[Any]) -> list[int]:
        return [u.pk for u in candidates if policies.allows(u, kind, "review", item)]

    allowed = may_review(
        users.filter(coordinator_assignments__chapter_id=item.member.country.chapter_id)
        .distinct()
        .order_by("pk")
    ) or may_review(users.filter(is_secretariat=True).order_by("pk"))
    return users.filter(pk__in=allowed)


def member_staff(item: Reviewable | Member) -> QuerySet[Any]:
    """The active staff (admins included) of the item's member organisation (or, given a
    member, of that member: whom the report-deadline reminders tell)."""
    member_id = item.pk if isinstance(item, Member) else item.member_id
    return (
        get_user_model().objects.filter(is_active=True, memberships__member_id=member_id).distinct()
    )


@dataclass(frozen=True)
class ReviewedType:
    """How one type of item takes part in the review. Registered once, with :func:`register`,
    by the module that owns the type's writes (its services)."""

    model: type[Reviewable]
    name: str  # "case", "report": the registry key and the item's name in email templates
    templates: str  # folder of the emails: <templates>/<submitted|returned|reopened|approved>
    title: Callable[[Any], str]  # how messages and emails name one item
    path: Callable[[Any], str]  # the item's page
    queue_path: Callable[[], str]  # the reviewers' queue of this type
    # Raises ``ValidationError`` naming the fields that block a submission (after the claim,
    # on the row as claimed; it may store derived values such as USD amounts).
    validate: Callable[[Any], None] | None = None
    reviewers: Callable[[Any], QuerySet[Any]] = chapter_reviewers
    staff: Callable[[Any], QuerySet[Any]] = member_staff

    @property
    def label(self) -> str:
        """The type's name in sentences ("case", "annual report"), translated."""
        return str(self.model._meta.verbose_name)


_types: dict[type[Model], ReviewedType] = {}


def register(reviewed: ReviewedType) -> ReviewedType:
    """Make ``reviewed.model`` a reviewed type (registering it again replaces it)."""
    _types[reviewed.model] = reviewed
    return reviewed


def registered() -> list[ReviewedType]:
    return list(_types.values())


def reviewed_type(item: Reviewable | type[Reviewable]) -> ReviewedType:
    model = item if isinstance(item, type) else type(item)
    try:
        return _types[model]
    except KeyError:
        raise LookupError(
            f"{model.__name__} is not a reviewed type: its services register it "
            "(knowledge.evidence.review.register), and wiring imports them"
        ) from None


# --- after-commit hooks ---------------------------------------------------------------------

Hook = Callable[..., None]
_hooks: list[Hook] = []


def on_transition(hook: Hook) -> Hook:
    """Register ``hook(*, item, action, actor, comment)`` to run after a transition commits."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def _run_hooks(item: Reviewable, action: str, actor: Any, comment: str) -> None:
    for hook in list(_hooks):
        try:
            hook(item=item, action=action, actor=actor, comment=comment)
        except Exception:
            # A failed email or enqueue must not undo a committed review; the nightly rebuild
            # and the reminders catch up. Logged loudly so it is seen.
            logger.exception("review hook %s failed for %s %s", hook.__name__, action, item)


# --- who may act ----------------------------------------------------------------------------


# Who may take which action is the evidence rulebook's (``policies``: one row per reviewed
# type and action, conflict of interest included); whether the item's state allows it is
# ``RULES`` above (else a 409).


def allowed_actions(*, item: Reviewable, actor: Any) -> list[str]:
    """The actions ``actor`` may take on ``item`` now (for buttons and API hints)."""
    kind = reviewed_type(item).name
    return [
        str(action)
        for action, rule in RULES.items()
        if item.status in rule.from_states and policies.allows(actor, kind, action, item)
    ]


def _check_may_act(*, action: str, actor: Any, item: Reviewable) -> None:
    """404 if the actor may not see the item, 403 if they may not take ``action`` on it (the
    refusal names a conflict of interest: "You are staff of …")."""
    policies.require(actor, reviewed_type(item).name, action, item)


# --- the claim ------------------------------------------------------------------------------


def _claim(
    item: Reviewable,
    *,
    from_states: frozenset[str],
    expected_version: int | None,
    updates: dict[str, Any],
    refused: Callable[[str], str],
) -> tuple[str, int]:
    """Claim ``item`` with one conditional UPDATE: on the status and version just read (and
    ``expected_version``, the one the actor saw, when given), bumping the version. Returns the
    status it had and its new version. Raises ``ConflictError`` with ``refused(status)`` when
    the item is not in ``from_states``, and a "changed meanwhile" one when its version moved
    on (or someone claimed it between the read and the UPDATE)."""
    model = type(item)
    manager = model._default_manager
    current = manager.filter(pk=item.pk).values_list("status", "version").first()
    if current is None:
        raise ConflictError(
            _("This %(type)s no longer exists.") % {"type": model._meta.verbose_name}
        )
    status, version = current
    if status not in from_states:
        raise ConflictError(refused(status))
    if (expected_version is not None and expected_version != version) or manager.filter(
        pk=item.pk, status=status, version=version
    ).update(version=F("version") + 1, updated_at=timezone.now(), **updates) != 1:
        raise ConflictError(
            _("This %(type)s was changed meanwhile; reload to see the change.")
            % {"type": model._meta.verbose_name}
        )
    return str(status), version + 1


def claim_edit(
    *, item: Reviewable, expected_version: int | None = None, changes: dict[str, Any] | None = None
) -> int:
    """Claim an edit of a draft or returned ``item`` (writing ``changes`` with it, if any) and
    return its new version: the same conditional UPDATE as a transition, so an edit, a second
    edit and a submission of one item never interleave. Call it inside the edit's
    transaction, after the checks and before the other writes."""
    label = item._meta.verbose_name

    def refused(status: str) -> str:
        return _("This %(type)s is %(status)s and locked; it cannot be edited now.") % {
            "type": label,
            "status": ReviewStatus(status).label.lower(),
        }

    _status, version = _claim(
        item,
        from_states=EDITABLE,
        expected_version=expected_version,
        updates=dict(changes or {}),
        refused=refused,
    )
    return version


# --- the one path ---------------------------------------------------------------------------


@transaction.atomic
def act(
    *,
    item: ItemT,
    action: str,
    actor: Any,
    comment: str = "",
    expected_version: Any = None,
) -> ItemT:
    """Take the review ``action`` on ``item`` as ``actor``: the one path for every reviewed
    type, from pages, the API and code alike.

    ``expected_version`` is the version the actor saw (a page's hidden field, the API's
    ``If-Match``); when given and stale, the action is a conflict. Raises ``Http404`` when the
    actor may not see the item, ``PermissionDenied`` when they may see it but not take this
    action, ``ValidationError`` naming the field (an unknown ``action``, a missing ``comment``,
    a malformed ``version``, or on submit the item's hard errors), and ``ConflictError`` when
    the item is no longer in a state that allows the action (someone acted first) or its
    version moved on. Returns the item as it is now.
    """
    rule = RULES.get(action)
    if rule is None:
        raise ValidationError({"action": _("Unknown action “%(action)s”.") % {"action": action}})
    reviewed = reviewed_type(item)
    _check_may_act(action=action, actor=actor, item=item)
    comment = bounds.clean_text(comment)
    if rule.comment_required and not comment:
        raise ValidationError({"comment": _("Say why: the comment is sent to the member.")})
    expected = bounds.parse_version(expected_version)

    def refused(status: str) -> str:
        return _(
            "This %(type)s is %(status)s now, so it cannot be %(action)s; reload to see the change."
        ) % {
            "type": reviewed.label,
            "status": ReviewStatus(status).label.lower(),
            "action": DONE[action],
        }

    now = timezone.now()
    updates: dict[str, Any] = {"status": rule.to_state}
    if action == ReviewAction.SUBMIT:
        updates["submitted_at"] = now
    elif action == ReviewAction.APPROVE:
        updates.update(approved_at=now, approved_by=actor)
    elif action == ReviewAction.REOPEN:
        updates.update(approved_at=None, approved_by=None)
    from_status, _version = _claim(
        item,
        from_states=rule.from_states,
        expected_version=expected,
        updates=updates,
        refused=refused,
    )
    if action == ReviewAction.SUBMIT and reviewed.validate is not None:
        # On the row as claimed (no edit can slip in between); an error rolls the claim back
        # and leaves the caller's ``item`` as it was.
        reviewed.validate(type(item)._default_manager.get(pk=item.pk))
    # What the claim wrote (on submit, also what validation derived, e.g. USD amounts); the
    # member and the other relations stay cached for the event's subscribers and the hooks.
    item.refresh_from_db(fields=None if action == ReviewAction.SUBMIT else CLAIMED_FIELDS)
    Transition.objects.create(
        content_type=ContentType.objects.get_for_model(type(item)),
        object_id=item.pk,
        action=action,
        from_status=from_status,
        to_status=rule.to_state,
        actor=actor,
        comment=comment,
    )
    record_change(item, actor=actor)
    # In this transaction: what the statistics record of it commits with the transition.
    events.publish(ReviewedItemChanged(item=item, action=str(action)))
    transaction.on_commit(lambda: _run_hooks(item, action, actor, comment))
    return item


# --- reading the history ----------------------------------------------------------------------


def transitions_of(item: Reviewable) -> list[Transition]:
    """The item's review history, oldest first (with actors)."""
    return list(
        Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk
        ).select_related("actor")
    )


def last_return_comments(items: Iterable[Reviewable]) -> dict[int, Transition]:
    """The latest return or reopen of each of ``items`` (of one reviewed type), whose comment
    tells the member what to fix, by the item's pk; items never returned are left out. One
    query for them all."""
    items = list(items)
    if not items:
        return {}
    models = {type(item) for item in items}
    if len(models) != 1:
        raise ValueError("last_return_comments: items of one type at a time")
    latest: dict[int, Transition] = {}
    for transition in (
        Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(models.pop()),
            object_id__in={item.pk for item in items},
            action__in=(ReviewAction.RETURN, ReviewAction.REOPEN),
        )
        .select_related("actor")
        .order_by("at", "pk")
    ):
        latest[transition.object_id] = transition  # the later overwrites the earlier
    return latest


def last_return_comment(item: Reviewable) -> Transition | None:
    """The latest return or reopen of one item (:func:`last_return_comments`)."""
    return last_return_comments([item]).get(item.pk)
