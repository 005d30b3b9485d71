"""Who may see and act on a reviewed item (a case or an annual report): the one place for these
rules. Outsiders get 404 (``Http404``), roles that may see but not act get 403."""

from __future__ import annotations

from typing import Any

from knowledge.evidence.models.review import Reviewable, ReviewStatus
from members.selectors import Roles, roles_for


def is_member_staff(roles: Roles, member_id: int) -> bool:
    return any(m.member_id == member_id for m in roles.memberships)


def is_reviewer(roles: Roles, chapter_id: int) -> bool:
    """Coordinators review their chapter's items; the secretariat may stand in for any chapter."""
    return roles.secretariat or any(c.pk == chapter_id for c in roles.chapters)


def can_see(actor: Any, item: Reviewable, roles: Roles | None = None) -> bool:
    """Member staff see all their organisation's items; reviewers and the secretariat see
    everything that has left draft; others see approved items only (the library decides which
    of those are public)."""
    roles = roles or roles_for(actor=actor)
    if is_member_staff(roles, item.member_id):
        return True
    if item.status == ReviewStatus.DRAFT:
        return False
    if item.status == ReviewStatus.APPROVED:
        return True
    return is_reviewer(roles, item.member.country.chapter_id)


def can_see_history(actor: Any, item: Reviewable, roles: Roles | None = None) -> bool:
    """The review history (reviewers' comments and names) is between the member and its
    reviewers: the member's staff, its chapter's coordinators and the secretariat."""
    roles = roles or roles_for(actor=actor)
    return is_member_staff(roles, item.member_id) or is_reviewer(
        roles, item.member.country.chapter_id
    )


def can_edit(actor: Any, item: Reviewable, roles: Roles | None = None) -> bool:
    roles = roles or roles_for(actor=actor)
    return is_member_staff(roles, item.member_id) and item.is_editable


def has_conflict_of_interest(roles: Roles, item: Reviewable) -> bool:
    """Staff of the item's member never review, verify or reopen it, whatever other roles
    they hold (a coordinator invited as staff of a member in their chapter, say)."""
    return is_member_staff(roles, item.member_id)


def can_review(actor: Any, item: Reviewable, roles: Roles | None = None) -> bool:
    roles = roles or roles_for(actor=actor)
    return is_reviewer(roles, item.member.country.chapter_id) and not has_conflict_of_interest(
        roles, item
    )
