"""The review workflow, written once for every reviewed item type (cases, annual reports).

Each transition is one conditional UPDATE (``WHERE status IN (allowed states)``), so when two
reviewers act on the same item at once exactly one succeeds and the other gets a
:class:`~recpnet.exceptions.ConflictError` (API 409). Every transition is recorded, and the
hooks registered with :func:`on_transition` (emails) run after the commit, while a
:class:`~knowledge.evidence.events.ReviewedItemChanged` event is published inside it (so the
statistics' dirty slices commit with the transition). The
UPDATE bypasses simple_history's signals, so the new state is added to the item's history
(with the actor) explicitly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.evidence import access
from knowledge.evidence.events import ReviewedItemChanged
from knowledge.evidence.models.review import Reviewable, ReviewAction, ReviewStatus, Transition
from members.selectors import roles_for
from recpnet import events
from recpnet.exceptions import ConflictError
from recpnet.history import record_change

logger = logging.getLogger(__name__)

ItemT = TypeVar("ItemT", bound=Reviewable)


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[str]
    to_state: str
    who: str  # "member" | "reviewer" | "secretariat"
    comment_required: bool


RULES: dict[str, Rule] = {
    ReviewAction.SUBMIT: Rule(
        frozenset({ReviewStatus.DRAFT, ReviewStatus.RETURNED}),
        ReviewStatus.SUBMITTED,
        "member",
        False,
    ),
    ReviewAction.APPROVE: Rule(
        frozenset({ReviewStatus.SUBMITTED}), ReviewStatus.APPROVED, "reviewer", False
    ),
    ReviewAction.RETURN: Rule(
        frozenset({ReviewStatus.SUBMITTED}), ReviewStatus.RETURNED, "reviewer", True
    ),
    ReviewAction.REOPEN: Rule(
        frozenset({ReviewStatus.APPROVED}), ReviewStatus.RETURNED, "secretariat", True
    ),
}

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


def allowed_actions(*, item: Reviewable, actor: Any) -> list[str]:
    """The actions ``actor`` may take on ``item`` now (for buttons and API hints)."""
    roles = roles_for(actor=actor)
    actions = []
    for action, rule in RULES.items():
        if item.status not in rule.from_states:
            continue
        if _may(rule.who, actor, item, roles):
            actions.append(str(action))
    return actions


def _may(who: str, actor: Any, item: Reviewable, roles: Any) -> bool:
    if who == "member":
        return access.is_member_staff(roles, item.member_id)
    if who == "reviewer":
        return access.can_review(actor, item, roles)
    return bool(roles.secretariat) and not access.has_conflict_of_interest(roles, item)


@transaction.atomic
def transition(
    *,
    item: ItemT,
    action: str,
    actor: Any,
    comment: str = "",
    expected_version: int | None = None,
    validate: Callable[[ItemT], None] | None = None,
) -> ItemT:
    """Move ``item`` through ``action`` as ``actor``.

    Raises ``Http404`` when the actor may not see the item, ``PermissionDenied`` when they may
    see but not take this action, ``ValidationError`` for a missing comment or (on submit) the
    item's hard errors, and ``ConflictError`` when the item is no longer in a state that allows
    the action (someone else acted first, or ``expected_version`` is stale).
    """
    rule = RULES.get(action)
    if rule is None:
        raise ValidationError({"action": _("Unknown action “%(action)s”.") % {"action": action}})
    roles = roles_for(actor=actor)
    if not access.can_see(actor, item, roles):
        raise Http404
    if not _may(rule.who, actor, item, roles):
        if rule.who != "member" and access.has_conflict_of_interest(roles, item):
            raise PermissionDenied(
                _(
                    "You are staff of %(member)s: someone who is not must review its work "
                    "(conflict of interest)."
                )
                % {"member": item.member.name}
            )
        raise PermissionDenied(_("You may not do this."))
    comment = (comment or "").strip()
    if rule.comment_required and not comment:
        raise ValidationError({"comment": _("Say why: the comment is sent to the member.")})
    if validate is not None and action == ReviewAction.SUBMIT:
        validate(item)

    model = type(item)
    now = timezone.now()
    updates: dict[str, Any] = {
        "status": rule.to_state,
        "version": F("version") + 1,
        "updated_at": now,
    }
    if action == ReviewAction.SUBMIT:
        updates["submitted_at"] = now
    elif action == ReviewAction.APPROVE:
        updates.update(approved_at=now, approved_by=actor)
    elif action == ReviewAction.REOPEN:
        updates.update(approved_at=None, approved_by=None)
    claimed = model._default_manager.filter(pk=item.pk, status__in=rule.from_states)
    if expected_version is not None:
        claimed = claimed.filter(version=expected_version)
    if claimed.update(**updates) != 1:
        current = model._default_manager.filter(pk=item.pk).values_list("status", flat=True).first()
        label = ReviewStatus(current).label.lower() if current else _("gone")
        raise ConflictError(
            _("This item is %(status)s now, so it cannot be %(action)s; reload to see the change.")
            % {"status": label, "action": ReviewAction(action).label.lower()}
        )
    Transition.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=item.pk,
        action=action,
        from_status=item.status,
        to_status=rule.to_state,
        actor=actor,
        comment=comment,
    )
    item.refresh_from_db()
    record_change(item, actor=actor)
    # In this transaction: what the statistics record of it commits with the transition.
    events.publish(ReviewedItemChanged(item=item, action=str(action)))
    transaction.on_commit(lambda: _run_hooks(item, action, actor, comment))
    return item


def transitions_of(item: Reviewable) -> list[Transition]:
    """The item's review history, oldest first (with actors)."""
    return list(
        Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(type(item)), object_id=item.pk
        ).select_related("actor")
    )


def last_return_comment(item: Reviewable) -> Transition | None:
    """The latest return or reopen, whose comment tells the member what to fix."""
    return (
        Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(type(item)),
            object_id=item.pk,
            action__in=(ReviewAction.RETURN, ReviewAction.REOPEN),
        )
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
