"""Reads of member data, always scoped by the acting user."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chapters.models import Chapter, Coordinator
from chapters.selectors import chapters_coordinated_by

from . import evidence
from .models import (
    TIER_ORDER,
    Application,
    EligibilityThreshold,
    ExecutiveSeat,
    Invitation,
    Member,
    Membership,
    Role,
    Status,
    StatusChange,
    Tier,
    TierChange,
)
from .themes import THEMES


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


# --- access ---------------------------------------------------------------------------------


def _is_authenticated(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def is_secretariat(actor: Any) -> bool:
    return _is_authenticated(actor) and bool(actor.is_secretariat)


def role_in(*, actor: Any, member: Member) -> str | None:
    """The actor's staff role in ``member`` (``admin``/``staff``) or None."""
    if not _is_authenticated(actor):
        return None
    return (
        Membership.objects.filter(user=actor, member=member).values_list("role", flat=True).first()
    )


def coordinates(*, actor: Any, chapter_id: int) -> bool:
    if not _is_authenticated(actor):
        return False
    return Coordinator.objects.filter(user=actor, chapter_id=chapter_id).exists()


def can_manage_member(*, actor: Any, member: Member) -> bool:
    """Edit the profile, invite and remove staff: the member's admins and the secretariat."""
    return is_secretariat(actor) or role_in(actor=actor, member=member) == Role.ADMIN


def sees_network_contacts(*, actor: Any) -> bool:
    """Network-only contact details: logged-in users of active members, coordinators and the
    secretariat."""
    if not _is_authenticated(actor):
        return False
    if actor.is_secretariat:
        return True
    if Membership.objects.filter(user=actor, member__status=Status.ACTIVE).exists():
        return True
    return Coordinator.objects.filter(user=actor).exists()


# --- members --------------------------------------------------------------------------------


def _members_base() -> QuerySet[Member]:
    return Member.objects.select_related("country__chapter")


def members_visible_to(*, actor: Any) -> QuerySet[Member]:
    """Active members for everyone; the secretariat sees all; a member's staff and its chapter's
    coordinators also see it when it is not active."""
    qs = _members_base()
    if is_secretariat(actor):
        return qs
    visible = Q(status=Status.ACTIVE)
    if _is_authenticated(actor):
        visible |= Q(memberships__user=actor) | Q(country__chapter__coordinators__user=actor)
        return qs.filter(pk__in=Member.objects.filter(visible).values("pk"))
    return qs.filter(visible)


def member_get_for_user(*, actor: Any, slug: str) -> Member:
    """The member ``slug`` if the actor may see it, else 404 (missing and not yours alike)."""
    return get_object_or_404(members_visible_to(actor=actor), slug=slug)


def member_workspace_get(*, actor: Any, slug: str) -> tuple[Member, str | None]:
    """A member's private workspace: its staff and the secretariat; everyone else 404.

    Returns the member and the actor's role in it (None for the secretariat)."""
    if not _is_authenticated(actor):
        raise Http404
    member = get_object_or_404(_members_base(), slug=slug)
    role = role_in(actor=actor, member=member)
    if role is None and not actor.is_secretariat:
        raise Http404
    return member, role


def member_private_get(*, actor: Any, slug: str) -> Member:
    """Private member data (eligibility, history): its staff, its chapter's coordinators and
    the secretariat; everyone else 404."""
    if not _is_authenticated(actor):
        raise Http404
    member = get_object_or_404(_members_base(), slug=slug)
    if (
        actor.is_secretariat
        or role_in(actor=actor, member=member) is not None
        or coordinates(actor=actor, chapter_id=member.country.chapter_id)
    ):
        return member
    raise Http404


def directory(
    *,
    actor: Any,
    chapter: str = "",
    country: str = "",
    tier: str = "",
    organisation_type: str = "",
    theme: str = "",
) -> QuerySet[Member]:
    """The public directory: active members, filtered. Constant in queries (one)."""
    qs = _members_base().filter(status=Status.ACTIVE)
    if chapter:
        qs = qs.filter(country__chapter__slug=chapter)
    if country:
        qs = qs.filter(country_id=country.upper())
    if tier:
        qs = qs.filter(tier=tier)
    if organisation_type:
        qs = qs.filter(organisation_type=organisation_type)
    if theme:
        # JSON text match on the quoted code works on SQLite and PostgreSQL alike.
        qs = qs.filter(themes__icontains=f'"{theme}"')
    return qs.order_by("name")


def expertise_map() -> dict[str, Any]:
    """Active members per theme per chapter: {"chapters": [...], "rows": [(theme, label,
    [n per chapter], total)]}."""
    chapters = list(Chapter.objects.order_by("position", "name"))
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for themes, chapter_id in Member.objects.filter(status=Status.ACTIVE).values_list(
        "themes", "country__chapter_id"
    ):
        for code in set(themes or ()):
            counts[(code, chapter_id)] += 1
    rows = []
    for code, label in THEMES:
        per_chapter = [counts[(code, c.pk)] for c in chapters]
        rows.append((code, label, per_chapter, sum(per_chapter)))
    return {"chapters": chapters, "rows": rows}


def member_staff(*, member: Member) -> QuerySet[Membership]:
    return member.memberships.select_related("user").order_by("role", "user__email")


def member_pending_invitations(*, member: Member) -> QuerySet[Invitation]:
    return member.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def member_invitation_get(*, actor: Any, member: Member, pk: int) -> Invitation:
    """One of ``member``'s invitations, for someone who may manage the member (its admins and
    the secretariat); any other invitation, or any other actor, gets 404."""
    if not can_manage_member(actor=actor, member=member):
        raise Http404
    return get_object_or_404(member.invitations.all(), pk=pk)


def invitation_get(*, token: Any) -> Invitation:
    """Invitations are addressed by their unguessable token; unknown tokens are 404."""
    return get_object_or_404(Invitation.objects.select_related("member"), token=token)


def tier_history(*, member: Member) -> QuerySet[TierChange]:
    return member.tier_changes.select_related("actor").order_by("-effective_on", "-recorded_at")


def status_history(*, member: Member) -> QuerySet[StatusChange]:
    return member.status_changes.select_related("actor").order_by("-effective_on", "-recorded_at")


def executive_seats(*, member: Member | None = None) -> QuerySet[ExecutiveSeat]:
    qs = ExecutiveSeat.objects.select_related("member")
    return qs.filter(member=member) if member is not None else qs


def members_for_secretariat(*, actor: Any) -> QuerySet[Member]:
    """Every member with its staff count, for the secretariat's list and exports."""
    if not is_secretariat(actor):
        raise PermissionDenied
    return _members_base().annotate(staff_count=Count("memberships")).order_by("name")


MEMBER_EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("slug", "slug"),
    ("name", "name"),
    ("country", "country"),
    ("chapter", "chapter"),
    ("organisation_type", "organisation_type"),
    ("tier", "tier"),
    ("status", "status"),
    ("joined_on", "joined_on"),
    ("founding", "founding"),
    ("established", "established"),
    ("website", "website"),
    ("contact_email", "contact_email"),
    ("staff", "staff"),
)


def member_export_rows(*, actor: Any) -> list[dict[str, Any]]:
    """Every member as a row of :data:`MEMBER_EXPORT_COLUMNS` (secretariat), for
    :func:`recpnet.exports.export_response`."""
    return [
        {
            "slug": m.slug,
            "name": m.name,
            "country": m.country_id,
            "chapter": m.country.chapter.slug,
            "organisation_type": m.organisation_type,
            "tier": m.tier,
            "status": m.status,
            "joined_on": m.joined_on,
            "founding": m.founding,
            "established": m.established,
            "website": m.website,
            "contact_email": m.contact_email,
            "staff": m.staff_count,  # type: ignore[attr-defined]
        }
        for m in members_for_secretariat(actor=actor)
    ]


def member_counts(*, actor: Any) -> dict[str, dict[str, int]]:
    """Members by status and, for active members, by tier (secretariat)."""
    if not is_secretariat(actor):
        raise PermissionDenied
    by_status = dict(
        Member.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    by_tier = dict(
        Member.objects.filter(status=Status.ACTIVE)
        .values_list("tier")
        .annotate(n=Count("pk"))
        .values_list("tier", "n")
    )
    return {"status": by_status, "tier": by_tier}


# --- eligibility ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    required: int
    actual: int

    @property
    def met(self) -> bool:
        return self.actual >= self.required


@dataclass(frozen=True)
class Eligibility:
    member: Member
    current_tier: str
    next_tier: str | None
    checks: tuple[Check, ...]

    @property
    def eligible(self) -> bool:
        return self.next_tier is not None and all(c.met for c in self.checks)


def full_years_between(start: dt.date, end: dt.date) -> int:
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(years, 0)


def member_eligibility(*, member: Member, today: dt.date | None = None) -> Eligibility:
    """The merit checklist for the member's next tier, from approved evidence (the seam) and
    the thresholds stored as data. Call after ``member_private_get``."""
    today = today or timezone.localdate()
    index = TIER_ORDER.index(Tier(member.tier))
    if index + 1 >= len(TIER_ORDER):
        return Eligibility(member, member.tier, None, ())
    next_tier = TIER_ORDER[index + 1]
    threshold = EligibilityThreshold.objects.filter(tier=next_tier).first()
    if threshold is None:
        threshold = EligibilityThreshold(tier=next_tier)
    reports = len(evidence.approved_report_years([member.pk]).get(member.pk, set()))
    cases = evidence.approved_case_counts([member.pk]).get(member.pk, 0)
    years = full_years_between(member.joined_on, today) if member.joined_on else 0
    checks = (
        Check(
            "annual_reports",
            str(_("Approved annual reports")),
            threshold.min_annual_reports,
            reports,
        ),
        Check("cases", str(_("Approved cases")), threshold.min_cases, cases),
        Check("years_member", str(_("Years as member")), threshold.min_years_member, years),
    )
    return Eligibility(member, member.tier, str(next_tier), checks)


# --- applications ---------------------------------------------------------------------------


def applications_visible_to(*, actor: Any) -> QuerySet[Application]:
    """The secretariat sees every application; a coordinator those of the chapters they
    coordinate; an applicant their own."""
    if not _is_authenticated(actor):
        return Application.objects.none()
    qs = Application.objects.select_related("country__chapter", "applicant", "member")
    if actor.is_secretariat:
        return qs
    return qs.filter(Q(applicant=actor) | Q(country__chapter__coordinators__user=actor)).distinct()


def application_get_for_user(*, actor: Any, reference: Any) -> Application:
    return get_object_or_404(applications_visible_to(actor=actor), reference=reference)


def application_counts(*, actor: Any) -> dict[str, int]:
    qs = applications_visible_to(actor=actor).order_by()
    return dict(qs.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))


def can_recommend(*, actor: Any, application: Application) -> bool:
    return is_secretariat(actor) or coordinates(
        actor=actor, chapter_id=application.country.chapter_id
    )
