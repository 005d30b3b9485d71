"""Reads of member data, always scoped by the acting user."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chapters.models import Chapter
from chapters.selectors import chapters_coordinated_by
from recpnet.roles import remember

from . import evidence, policies
from .models import (
    OPEN_APPLICATION_STATES,
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
    """What the acting user is, for navigation and for the rulebooks (``policies.py``), which
    read it through :class:`recpnet.roles.ActorRoles`."""

    authenticated: bool = False
    secretariat: bool = False
    chapters: tuple[Chapter, ...] = ()
    memberships: tuple[Membership, ...] = field(default_factory=tuple)
    user_id: int | None = None

    @property
    def admin_of(self) -> tuple[Member, ...]:
        return tuple(m.member for m in self.memberships if m.role == Role.ADMIN)

    @property
    def members(self) -> tuple[Member, ...]:
        return tuple(m.member for m in self.memberships)

    @property
    def chapter_ids(self) -> frozenset[int]:
        return frozenset(c.pk for c in self.chapters)

    def member_ids(self, *, role: str | None = None) -> frozenset[int]:
        return frozenset(m.member_id for m in self.memberships if role is None or m.role == role)

    def role_in(self, member_id: int) -> str | None:
        return next((m.role for m in self.memberships if m.member_id == member_id), None)

    def members_in_chapter(self, chapter_id: int) -> tuple[Member, ...]:
        return tuple(
            m.member for m in self.memberships if m.member.country.chapter_id == chapter_id
        )


def _load_roles(actor: Any) -> Roles:
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
        user_id=actor.pk,
    )


def roles_for(*, actor: Any) -> Roles:
    """The actor's roles: read once per request (:mod:`recpnet.roles`), afresh outside one."""
    if not getattr(actor, "is_authenticated", False):
        return Roles()
    roles: Roles = remember(actor, _load_roles)
    return roles


# --- the actor's role in a member (shown on its workspace; access is the rulebook's) ---------


def role_in(*, actor: Any, member: Member) -> str | None:
    """The actor's staff role in ``member`` (``admin``/``staff``) or None."""
    return roles_for(actor=actor).role_in(member.pk)


# --- members --------------------------------------------------------------------------------


def _members_base() -> QuerySet[Member]:
    return Member.objects.select_related("country__chapter")


def members_visible_to(*, actor: Any) -> QuerySet[Member]:
    """Active members for everyone; the secretariat sees all; a member's staff and its chapter's
    coordinators also see it when it is not active."""
    return policies.filter_allowed(_members_base(), actor, "member", "view")


def member_get_for_user(*, actor: Any, slug: str) -> Member:
    """The member ``slug`` if the actor may see it, else 404 (missing and not yours alike)."""
    return policies.get(_members_base(), actor, "member", "view", slug=slug)


def member_workspace_get(*, actor: Any, slug: str) -> tuple[Member, str | None]:
    """A member's private workspace: its staff and the secretariat; everyone else 404.

    Returns the member and the actor's role in it (None for the secretariat)."""
    member = policies.get(_members_base(), actor, "member", "view_workspace", slug=slug)
    return member, role_in(actor=actor, member=member)


def member_private_get(*, actor: Any, slug: str) -> Member:
    """Private member data (eligibility, history): its staff, its chapter's coordinators and
    the secretariat; everyone else 404."""
    return policies.get(_members_base(), actor, "member", "view_record", slug=slug)


def member_manage_get(*, actor: Any, slug: str) -> Member:
    """A member for the secretariat's tier, status and seat changes: 404 for who may not see
    it, 403 for who sees it but is not the secretariat (as the API's tier change)."""
    member = member_get_for_user(actor=actor, slug=slug)
    policies.require(actor, "member", "manage", member)
    return member


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
    qs = members_visible_to(actor=actor).filter(status=Status.ACTIVE)
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
    return policies.get(member.invitations.all(), actor, "invitation", "manage", pk=pk)


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
    policies.require(actor, "member", "list_all")
    return (
        policies.filter_allowed(_members_base(), actor, "member", "list_all")
        .annotate(staff_count=Count("memberships"))
        .order_by("name")
    )


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
    policies.require(actor, "member", "list_all")
    members = policies.filter_allowed(Member.objects.order_by(), actor, "member", "list_all")
    by_status = dict(
        members.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    by_tier = dict(
        members.filter(status=Status.ACTIVE)
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
    qs = Application.objects.select_related("country__chapter", "applicant", "member")
    return policies.filter_allowed(qs, actor, "application", "view")


def application_get_for_user(*, actor: Any, reference: Any) -> Application:
    return get_object_or_404(applications_visible_to(actor=actor), reference=reference)


def _named_like(name: Any) -> tuple[QuerySet[Application], QuerySet[Member]]:
    """Open applications and members whose name equals ``name`` (case-insensitive)."""
    return (
        Application.objects.filter(state__in=OPEN_APPLICATION_STATES, name__iexact=name),
        Member.objects.filter(name__iexact=name),
    )


def application_queue(*, actor: Any) -> QuerySet[Application]:
    """The applications the actor sees, each with ``possible_duplicate``: it is open and another
    open application or a member has the same name. Flagged only to whoever decides on it, so
    no applicant or coordinator learns from it what else is pending."""
    same_applications, same_members = _named_like(OuterRef("name"))
    decides = policies.filter_allowed(Application.objects.all(), actor, "application", "decide")
    return applications_visible_to(actor=actor).annotate(
        possible_duplicate=Case(
            When(
                Q(state__in=OPEN_APPLICATION_STATES)
                & Q(pk__in=decides.values("pk"))
                & (Exists(same_applications.exclude(pk=OuterRef("pk"))) | Exists(same_members)),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


@dataclass(frozen=True)
class Duplicates:
    """What shares an open application's name: other open applications and members."""

    applications: list[Application]
    members: list[Member]

    def __bool__(self) -> bool:
        return bool(self.applications or self.members)


def application_duplicates(*, actor: Any, application: Application) -> Duplicates:
    """For whoever decides on an open application: the others of the same name (none for anyone
    else, nor once it is closed)."""
    if not application.is_open or not policies.allows(actor, "application", "decide", application):
        return Duplicates([], [])
    same_applications, same_members = _named_like(application.name)
    visible_applications = applications_visible_to(actor=actor).filter(
        pk__in=same_applications.exclude(pk=application.pk).values("pk")
    )
    visible_members = members_visible_to(actor=actor).filter(pk__in=same_members.values("pk"))
    return Duplicates(
        list(visible_applications.order_by("created_at")), list(visible_members.order_by("name"))
    )


def application_counts(*, actor: Any) -> dict[str, int]:
    qs = applications_visible_to(actor=actor).order_by()
    return dict(qs.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))


def can_recommend(*, actor: Any, application: Application) -> bool:
    return policies.allows(actor, "application", "recommend", application)


def can_decide(*, actor: Any, application: Application) -> bool:
    return policies.allows(actor, "application", "decide", application)
