"""Reads of member data, always scoped by the acting user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from chapters.models import Chapter
from chapters.selectors import chapters_coordinated_by

from .models import Member, Membership, Role


@dataclass(frozen=True)
class Roles:
    """What the acting user is, for navigation and access checks."""

    authenticated: bool = False
    secretariat: bool = False
    chapters: tuple[Chapter, ...] = ()
    memberships: tuple[Membership, ...] = field(default_factory=tuple)

    @property
    def admin_of(self) -> tuple[Member, ...]:
        return tuple(m.member for m in self.memberships if m.role == Role.ADMIN)

    @property
    def members(self) -> tuple[Member, ...]:
        return tuple(m.member for m in self.memberships)


def roles_for(*, actor: Any) -> Roles:
    if not getattr(actor, "is_authenticated", False):
        return Roles()
    memberships = tuple(
        Membership.objects.filter(user=actor)
        .select_related("member", "member__country__chapter")
        .order_by("member__name")
    )
    return Roles(
        authenticated=True,
        secretariat=bool(actor.is_secretariat),
        chapters=tuple(chapters_coordinated_by(actor=actor)),
        memberships=memberships,
    )


def memberships_for(*, actor: Any) -> QuerySet[Membership]:
    if not getattr(actor, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=actor).select_related("member")
