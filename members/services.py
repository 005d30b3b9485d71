"""Every write to members: keyword-only, typed, one transaction each, the actor's right checked
inside, emails scheduled on commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from chapters.models import Coordinator, Country
from recpnet import bounds, events
from recpnet.exceptions import ConflictError
from recpnet.history import record_change

from . import evidence, policies
from .emails import absolute, send_on_commit
from .events import MemberCountryChanged, MemberTierChanged
from .models import (
    TIER_ORDER,
    Application,
    ApplicationState,
    ExecutiveSeat,
    Invitation,
    LapseReminder,
    Member,
    Membership,
    OrganisationType,
    Role,
    Status,
    StatusChange,
    Tier,
    TierChange,
)
from .themes import THEME_CODES

INVITATION_LIFETIME = dt.timedelta(days=14)
REMINDER_DAYS = (60, 30)

# Which status may follow which; anything else is a conflict (API 409).
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.APPLICANT: frozenset({Status.ACTIVE, Status.WITHDRAWN}),
    Status.ACTIVE: frozenset({Status.LAPSED, Status.SUSPENDED, Status.WITHDRAWN}),
    Status.LAPSED: frozenset({Status.ACTIVE, Status.WITHDRAWN}),
    Status.SUSPENDED: frozenset({Status.ACTIVE, Status.WITHDRAWN}),
    Status.WITHDRAWN: frozenset({Status.ACTIVE}),
}

MEMBER_ADMIN_FIELDS = frozenset(
    {
        "description",
        "website",
        "themes",
        "sectors",
        "services",
        "established",
        "contact_email",
        "contact_phone",
        "address",
    }
)
MEMBER_SECRETARIAT_FIELDS = MEMBER_ADMIN_FIELDS | {
    "name",
    "slug",
    "country",
    "organisation_type",
    "founding",
    "joined_on",
}


# --- helpers --------------------------------------------------------------------------------


def _country(code: Any, *, field: str = "country") -> Country:
    if isinstance(code, Country):
        return code
    country = Country.objects.select_related("chapter").filter(code=str(code or "").upper()).first()
    if country is None:
        raise ValidationError({field: _("Unknown country code “%(code)s”.") % {"code": code}})
    return country


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _check_themes(themes: list[str] | None) -> list[str]:
    themes = list(dict.fromkeys(themes or []))
    unknown = [t for t in themes if t not in THEME_CODES]
    if unknown:
        raise ValidationError({"themes": _("Unknown theme: %(t)s.") % {"t": ", ".join(unknown)}})
    return themes


def _check_name_free(name: str, *, exclude_member: Member | None = None) -> None:
    qs = Member.objects.filter(name__iexact=name)
    if exclude_member is not None:
        qs = qs.exclude(pk=exclude_member.pk)
    if qs.exists():
        raise ValidationError(
            {"name": _("A member named “%(name)s” already exists.") % {"name": name}}
        )


RESERVED_SLUGS = frozenset({"expertise"})  # page paths beside /members/<slug>/


def _check_slug_free(slug: str, *, exclude_member: Member | None = None) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("The slug “%(slug)s” is reserved.") % {"slug": slug}})
    qs = Member.objects.filter(slug=slug)
    if exclude_member is not None:
        qs = qs.exclude(pk=exclude_member.pk)
    if qs.exists():
        raise ValidationError({"slug": _("The slug “%(slug)s” is already taken.") % {"slug": slug}})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "member"
    if base in RESERVED_SLUGS:
        base = f"{base}-member"
    slug, n = base, 2
    while Member.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _admin_emails(member: Member) -> list[str]:
    return list(member.memberships.filter(role=Role.ADMIN).values_list("user__email", flat=True))


def _secretariat_emails() -> list[str]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(is_secretariat=True, is_active=True)
        .values_list("email", flat=True)
    )


def _current_from_history(member: Member) -> None:
    """Set the member's current tier and status from the latest rows of their histories."""
    last_tier = member.tier_changes.order_by("-effective_on", "-recorded_at", "-pk").first()
    if last_tier is not None:
        member.tier = last_tier.tier
    last_status = member.status_changes.order_by("-effective_on", "-recorded_at", "-pk").first()
    if last_status is not None:
        member.status = last_status.status


def _record_tier(
    *, member: Member, tier: str, effective_on: dt.date, reason: str, actor: Any
) -> TierChange:
    change = TierChange(
        member=member, tier=tier, effective_on=effective_on, reason=reason, actor=actor
    )
    change.full_clean()
    change.save()
    # Every tier row is written here: the statistics restate the years it can move, in this
    # transaction.
    events.publish(MemberTierChanged(member_id=member.pk, effective_on=effective_on))
    return change


def _record_status(
    *, member: Member, status: str, effective_on: dt.date, reason: str, actor: Any
) -> StatusChange:
    change = StatusChange(
        member=member, status=status, effective_on=effective_on, reason=reason, actor=actor
    )
    change.full_clean()
    change.save()
    return change


def _actor_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- members --------------------------------------------------------------------------------


@transaction.atomic
def member_create(
    *,
    actor: Any,
    name: str,
    country: str | Country,
    organisation_type: str,
    slug: str = "",
    tier: str = Tier.OBSERVER,
    joined_on: dt.date | None = None,
    founding: bool = False,
    reason: str = "",
    **profile: Any,
) -> Member:
    """Record a member directly (secretariat), with its first tier and status rows."""
    policies.authorize(actor, "member", "create")
    name = _required_text(name, "name", _("A name is required."))
    country_obj = _country(country)
    _check_name_free(name)
    slug = slug or _unique_slug(name)
    _check_slug_free(slug)
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Unknown tier “%(tier)s”.") % {"tier": tier}})
    unknown = set(profile) - MEMBER_ADMIN_FIELDS
    if unknown:
        raise ValidationError({f: _("This field cannot be set here.") for f in unknown})
    if "themes" in profile:
        profile["themes"] = _check_themes(profile["themes"])
    if "established" in profile:
        profile["established"] = bounds.parse_established(profile["established"])
    joined_on = bounds.check_date(joined_on or timezone.localdate(), field="joined_on")
    member = Member(
        name=name,
        slug=slug,
        country=country_obj,
        organisation_type=organisation_type,
        tier=tier,
        status=Status.ACTIVE,
        joined_on=joined_on,
        founding=founding,
        **profile,
    )
    member.full_clean()
    member.save()
    reason = reason or _("Admitted by the secretariat")
    _record_tier(member=member, tier=tier, effective_on=joined_on, reason=reason, actor=actor)
    _record_status(
        member=member, status=Status.ACTIVE, effective_on=joined_on, reason=reason, actor=actor
    )
    return member


@transaction.atomic
def member_update(*, actor: Any, member: Member, **fields: Any) -> Member:
    """Edit a member's profile: its admins (profile and contacts) or the secretariat (also name,
    slug, country, type, founding flag, joined date)."""
    policies.authorize(actor, "member", "edit", member)
    if policies.allows(actor, "member", "edit_identity", member):
        allowed = MEMBER_SECRETARIAT_FIELDS
    else:
        allowed = MEMBER_ADMIN_FIELDS
    not_allowed = set(fields) - allowed
    if not_allowed:
        raise PermissionDenied(
            _("You may not change: %(f)s.") % {"f": ", ".join(sorted(not_allowed))}
        )
    member = Member.objects.select_for_update().get(pk=member.pk)
    if "name" in fields:
        fields["name"] = _required_text(fields["name"], "name", _("A name is required."))
        _check_name_free(fields["name"], exclude_member=member)
    if "slug" in fields:
        _check_slug_free(fields["slug"], exclude_member=member)
    if "country" in fields:
        fields["country"] = _country(fields["country"])
    if "themes" in fields:
        fields["themes"] = _check_themes(fields["themes"])
    if fields.get("joined_on") is not None:
        bounds.check_date(fields["joined_on"], field="joined_on")
    if "established" in fields:
        fields["established"] = bounds.parse_established(fields["established"])
    fields = {k: bounds.clean_text(v) if isinstance(v, str) else v for k, v in fields.items()}
    if all(getattr(member, key) == value for key, value in fields.items()):
        # Saved unchanged: no history entry, so the history shows only real changes.
        return member
    old_country = member.country_id
    for key, value in fields.items():
        setattr(member, key, value)
    member.full_clean()
    member.save()
    if member.country_id != old_country:
        events.publish(
            MemberCountryChanged(
                member_id=member.pk, old_country=old_country, new_country=member.country_id
            )
        )
    return member


def _check_effective_on(effective_on: dt.date | None, *, future: str) -> dt.date:
    """``effective_on`` (today when empty), within the declared dates of record
    (:func:`recpnet.bounds.check_date`: an earlier date is a typo such as 0001-01-01)."""
    today = timezone.localdate()
    effective_on = effective_on or today
    if effective_on > today:
        raise ValidationError({"effective_on": future})
    return bounds.check_date(effective_on, field="effective_on")


@transaction.atomic
def member_change_tier(
    *, actor: Any, member: Member, tier: str, effective_on: dt.date | None, reason: str
) -> TierChange:
    """Promote or demote (secretariat), with a reason; back-dating records history."""
    policies.authorize(actor, "member", "manage", member)
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Unknown tier “%(tier)s”.") % {"tier": tier}})
    reason = _required_text(reason, "reason", _("Give the reason for the tier change."))
    effective_on = _check_effective_on(
        effective_on, future=_("A tier change cannot take effect in the future.")
    )
    member = Member.objects.select_for_update().get(pk=member.pk)
    latest = member.tier_changes.order_by("-effective_on", "-recorded_at", "-pk").first()
    if latest is not None and latest.effective_on <= effective_on and latest.tier == tier:
        raise ConflictError(
            _("%(member)s is already %(tier)s.")
            % {"member": member.name, "tier": Tier(tier).label},
            code="same_tier",
        )
    change = _record_tier(
        member=member, tier=tier, effective_on=effective_on, reason=reason, actor=actor
    )
    _current_from_history(member)
    member.save(update_fields=["tier", "updated_at"])
    send_on_commit(
        "tier_changed",
        to=_admin_emails(member),
        context={
            "member": member,
            "change": change,
            "url": absolute("members:workspace", slug=member.slug),
        },
    )
    return change


@transaction.atomic
def member_change_status(
    *,
    actor: Any,
    member: Member,
    status: str,
    reason: str,
    effective_on: dt.date | None = None,
) -> StatusChange:
    """Suspend, withdraw, re-activate … (secretariat), with a reason."""
    policies.authorize(actor, "member", "manage", member)
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown status “%(s)s”.") % {"s": status}})
    reason = _required_text(reason, "reason", _("Give the reason for the status change."))
    effective_on = _check_effective_on(
        effective_on, future=_("A status change cannot take effect in the future.")
    )
    member = Member.objects.select_for_update().get(pk=member.pk)
    if status not in STATUS_TRANSITIONS[member.status]:
        raise ConflictError(
            _("A %(from)s member cannot become %(to)s.")
            % {"from": Status(member.status).label.lower(), "to": Status(status).label.lower()},
            code="status_transition",
        )
    change = _record_status(
        member=member, status=status, effective_on=effective_on, reason=reason, actor=actor
    )
    _current_from_history(member)
    member.save(update_fields=["status", "updated_at"])
    send_on_commit(
        "status_changed",
        to=_admin_emails(member),
        context={"member": member, "change": change},
    )
    return change


def member_reactivate(*, actor: Any, member: Member, reason: str) -> StatusChange:
    return member_change_status(actor=actor, member=member, status=Status.ACTIVE, reason=reason)


@transaction.atomic
def executive_seat_create(
    *,
    actor: Any,
    member: Member,
    term_start: dt.date,
    term_end: dt.date | None = None,
    title: str = "Member",
) -> ExecutiveSeat:
    """Record an Executive Committee seat; only regular members may hold one."""
    policies.authorize(actor, "member", "manage", member)
    if member.tier != Tier.REGULAR:
        raise ValidationError(
            {"member": _("Only regular members may hold an Executive Committee seat.")}
        )
    bounds.check_date(term_start, field="term_start", planned=True)
    if term_end is not None:
        bounds.check_date(term_end, field="term_end", planned=True)
    if term_end is not None and term_end < term_start:
        raise ValidationError({"term_end": _("The term cannot end before it starts.")})
    seat = ExecutiveSeat(
        member=member,
        title=title or "Member",
        term_start=term_start,
        term_end=term_end,
        actor=actor,
    )
    seat.full_clean()
    seat.save()
    return seat


# --- staff and invitations --------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *, actor: Any, member: Member, email: str, role: str = Role.STAFF
) -> Invitation:
    """A member admin invites someone by email to join the member's staff."""
    policies.authorize(actor, "member", "manage_staff", member)
    email = (email or "").strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    if member.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError(
            {
                "email": _("%(email)s is already on the staff of %(member)s.")
                % {"email": email, "member": member.name}
            }
        )
    now = timezone.now()
    if member.invitations.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).exists():
        raise ValidationError(
            {
                "email": _("%(email)s has already been invited and has not answered yet.")
                % {"email": email}
            }
        )
    invitation = Invitation(
        member=member,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    send_on_commit(
        "invitation",
        to=[email],
        context={
            "member": member,
            "invitation": invitation,
            "inviter": actor,
            "url": absolute("members:invitation", token=invitation.token),
        },
    )
    return invitation


def _actor_emails(actor: Any) -> set[str]:
    from allauth.account.models import EmailAddress

    emails = {actor.email.lower()}
    emails |= {
        e.lower()
        for e in EmailAddress.objects.filter(user=actor, verified=True).values_list(
            "email", flat=True
        )
    }
    return emails


def invitation_problem(*, invitation: Invitation, now: dt.datetime | None = None) -> str | None:
    """Why the invitation can no longer be used, or None."""
    now = now or timezone.now()
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn by %(member)s. Ask its admin for a new one.") % {
            "member": invitation.member.name
        }
    if invitation.accepted_at is not None:
        return _("This invitation has already been used. Each invitation link works once.")
    if invitation.expires_at <= now:
        return _("This invitation expired on %(date)s. Ask the member's admin for a new one.") % {
            "date": timezone.localdate(invitation.expires_at).isoformat()
        }
    return None


@transaction.atomic
def invitation_accept(*, actor: Any, invitation: Invitation) -> Membership:
    """The invitee (logged in with the invited address) joins the member's staff, once."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Log in or sign up first."))
    invitation = (
        Invitation.objects.select_for_update().select_related("member").get(pk=invitation.pk)
    )
    problem = invitation_problem(invitation=invitation)
    if problem:
        raise ConflictError(problem, code="invitation_unusable")
    if invitation.email.lower() not in _actor_emails(actor):
        raise PermissionDenied(
            _("This invitation was sent to %(email)s. Log in with that address to accept it.")
            % {"email": invitation.email}
        )
    if Membership.objects.filter(user=actor, member=invitation.member).exists():
        raise ConflictError(
            _("You are already on the staff of %(m)s.") % {"m": invitation.member.name}
        )
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=now, accepted_by=actor)
    if claimed != 1:  # pragma: no cover - guarded by the row lock above
        raise ConflictError(_("This invitation has already been used."))
    membership = Membership(user=actor, member=invitation.member, role=invitation.role)
    membership.full_clean()
    membership.save()
    send_on_commit(
        "invitation_accepted",
        to=[invitation.invited_by.email],
        context={"member": invitation.member, "user": actor},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation: Invitation) -> Invitation:
    policies.authorize(actor, "invitation", "manage", invitation)
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if updated != 1:
        raise ConflictError(_("This invitation was already used or withdrawn."))
    invitation.refresh_from_db()
    return invitation


@transaction.atomic
def staff_remove(*, actor: Any, membership: Membership) -> None:
    """An admin removes someone from the member's staff; the last admin stays."""
    member = membership.member
    policies.authorize(actor, "member", "manage_staff", member)
    if (
        membership.role == Role.ADMIN
        and member.memberships.select_for_update().filter(role=Role.ADMIN).count() <= 1
    ):
        raise ConflictError(_("A member needs at least one admin: appoint another admin first."))
    membership.delete()


@transaction.atomic
def staff_set_role(*, actor: Any, membership: Membership, role: str) -> Membership:
    member = membership.member
    policies.authorize(actor, "member", "manage_staff", member)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and member.memberships.select_for_update().filter(role=Role.ADMIN).count() <= 1
    ):
        raise ConflictError(_("A member needs at least one admin: appoint another admin first."))
    membership.role = role
    membership.full_clean()
    membership.save()
    return membership


# --- applications -------------------------------------------------------------------------------


def application_contact_emails(*, actor: Any) -> list[str]:
    """The addresses an applicant may give as the contact: those they have verified on their
    account, the primary first. Nothing else is ever sent the application."""
    from allauth.account.models import EmailAddress

    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        EmailAddress.objects.filter(user=actor, verified=True)
        .order_by("-primary", "email")
        .values_list("email", flat=True)
    )


def _verified_contact(contact_email: str, verified: list[str]) -> str:
    """The applicant's own verified address matching ``contact_email``, as stored on the
    account; refused on the field otherwise (the portal mails it the application)."""
    wanted = (contact_email or "").strip().lower()
    for email in verified:
        if email.lower() == wanted:
            return email
    raise ValidationError(
        {
            "contact_email": _(
                "The contact email must be one of your verified addresses. Add and verify "
                "another address on your account's email page first."
            )
        }
    )


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    name: str,
    country: str | Country,
    organisation_type: str,
    description: str,
    track_record: str,
    contact_email: str,
    charter_accepted: bool,
    established: int | None = None,
    website: str = "",
    themes: list[str] | None = None,
    services: str = "",
) -> Application:
    """An organisation applies for membership; its chapter's coordinators are asked to
    recommend it.

    The answer never depends on other organisations: an application named like a pending one
    or a member is accepted like any other (the secretariat sees it flagged), so submitting
    cannot tell anyone what is pending. Its text is mailed only to the applicant's own
    verified addresses; the coordinators get a link.
    """
    policies.authorize(actor, "application", "submit")
    name = _required_text(name, "name", _("Give the organisation's name."))
    country_obj = _country(country)
    if not charter_accepted:
        raise ValidationError(
            {"charter_accepted": _("Applicants must accept the RECPnet Charter.")}
        )
    if organisation_type not in OrganisationType.values:
        raise ValidationError({"organisation_type": _("Choose an organisation type.")})
    verified = application_contact_emails(actor=actor)
    contact_email = _verified_contact(contact_email, verified)
    application = Application(
        applicant=actor,
        name=name,
        country=country_obj,
        organisation_type=organisation_type,
        description=bounds.clean_text(description),
        track_record=bounds.clean_text(track_record),
        contact_email=contact_email,
        charter_accepted=True,
        established=bounds.parse_established(established),
        website=website,
        themes=_check_themes(themes),
        services=bounds.clean_text(services),
    )
    application.full_clean(validate_constraints=False)
    application.save()
    url = absolute("members:application", reference=application.reference)
    own = list(
        dict.fromkeys([contact_email, *(e for e in verified if e.lower() == actor.email.lower())])
    )
    send_on_commit(
        "application_received",
        to=own,
        context={"application": application, "url": url},
    )
    coordinators = Coordinator.objects.filter(chapter=country_obj.chapter).values_list(
        "user__email", flat=True
    )
    send_on_commit(
        "application_to_coordinator",
        to=list(coordinators) or _secretariat_emails(),
        context={"application": application, "url": url},
    )
    return application


def _lock_application(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("country__chapter", "applicant")
        .get(pk=application.pk)
    )


@transaction.atomic
def application_recommend(
    *, actor: Any, application: Application, recommend: bool, comment: str
) -> Application:
    """The coordinator of the applicant's chapter (or the secretariat) recommends or not."""
    application = _lock_application(application)
    policies.authorize(actor, "application", "recommend", application)
    comment = _required_text(comment, "comment", _("Explain your recommendation in a comment."))
    if application.state != ApplicationState.SUBMITTED:
        raise ConflictError(
            _("This application is already %(state)s.")
            % {"state": application.get_state_display().lower()},
            code="application_state",
        )
    application.state = (
        ApplicationState.RECOMMENDED if recommend else ApplicationState.NOT_RECOMMENDED
    )
    application.coordinator_comment = comment
    application.recommended_by = actor
    application.recommended_at = timezone.now()
    application.full_clean(validate_constraints=False)
    application.save()
    url = absolute("members:application", reference=application.reference)
    send_on_commit(
        "application_recommended",
        to=[application.applicant.email, *_secretariat_emails()],
        context={"application": application, "url": url},
    )
    return application


@transaction.atomic
def application_admit(
    *, actor: Any, application: Application, slug: str = "", reason: str = ""
) -> Member:
    """The secretariat admits the organisation as an observer member; the applicant becomes its
    admin. Writes the member's first tier and status rows."""
    application = _lock_application(application)
    policies.authorize(actor, "application", "decide", application)
    if application.state not in (ApplicationState.RECOMMENDED, ApplicationState.NOT_RECOMMENDED):
        raise ConflictError(_admit_conflict(application), code="application_state")
    today = timezone.localdate()
    reason = (reason or "").strip() or _("Admitted as observer member on application")
    _check_name_free(application.name)
    slug = slug or _unique_slug(application.name)
    _check_slug_free(slug)
    member = Member(
        name=application.name,
        slug=slug,
        country=application.country,
        organisation_type=application.organisation_type,
        tier=Tier.OBSERVER,
        status=Status.ACTIVE,
        joined_on=today,
        established=application.established,
        website=application.website,
        description=application.description,
        themes=application.themes,
        services=application.services,
        contact_email=application.contact_email,
    )
    member.full_clean()
    member.save()
    _record_tier(member=member, tier=Tier.OBSERVER, effective_on=today, reason=reason, actor=actor)
    _record_status(
        member=member, status=Status.ACTIVE, effective_on=today, reason=reason, actor=actor
    )
    Membership.objects.create(user=application.applicant, member=member, role=Role.ADMIN)
    application.state = ApplicationState.ADMITTED
    application.member = member
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_reason = reason
    application.full_clean(validate_constraints=False)
    application.save()
    send_on_commit(
        "application_admitted",
        to=[application.applicant.email, application.contact_email],
        context={
            "application": application,
            "member": member,
            "url": absolute("members:workspace", slug=member.slug),
        },
    )
    return member


def _admit_conflict(application: Application) -> str:
    if application.state == ApplicationState.SUBMITTED:
        return _("The chapter coordinator has not yet given a recommendation.")
    return _("This application is already %(state)s.") % {
        "state": application.get_state_display().lower()
    }


@transaction.atomic
def application_reject(*, actor: Any, application: Application, reason: str) -> Application:
    application = _lock_application(application)
    policies.authorize(actor, "application", "decide", application)
    reason = _required_text(reason, "reason", _("Give the reason for the rejection."))
    if not application.is_open:
        raise ConflictError(
            _("This application is already %(state)s.")
            % {"state": application.get_state_display().lower()},
            code="application_state",
        )
    application.state = ApplicationState.REJECTED
    application.decision_reason = reason
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.full_clean(validate_constraints=False)
    application.save()
    send_on_commit(
        "application_rejected",
        to=[application.applicant.email, application.contact_email],
        context={
            "application": application,
            "url": absolute("members:application", reference=application.reference),
        },
    )
    return application


# --- lapsing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LapseRun:
    reminded: int
    lapsed: int


def report_deadline(year: int) -> dt.date:
    """The day by which the annual report for ``year`` must be approved."""
    month, day = settings.REPORT_DEADLINE_MONTH_DAY
    return dt.date(year + 1, month, day)


def _owes(member: Member, year: int) -> bool:
    """A member owes reports for the full years after the one it joined in."""
    return member.joined_on is not None and member.joined_on.year < year


def _missing_both(member: Member, have: set[int], year: int) -> bool:
    """Owes reports for ``year`` and the year before, and has neither approved."""
    return _owes(member, year - 1) and year not in have and year - 1 not in have


def members_check_lapsing(*, today: dt.date | None = None) -> LapseRun:
    """The nightly job: remind members 60 and 30 days before they would lapse, and mark lapsed
    those with no approved annual report for the last two reporting years whose deadline has
    passed. Idempotent: reminders are unique rows, lapsing is a conditional update, and the
    lapse is dated the day after the deadline however late the job runs."""
    today = today or timezone.localdate()
    members = list(Member.objects.filter(status=Status.ACTIVE).select_related("country"))
    years = evidence.approved_report_years(m.pk for m in members)
    reminded = lapsed = 0

    # Deadline already passed: year Y is the latest reporting year with deadline before today.
    last_year = today.year - 1 if today > report_deadline(today.year - 1) else today.year - 2
    # Next deadline: reporting year Y+1.
    next_year = last_year + 1
    days_left = (report_deadline(next_year) - today).days

    for member in members:
        have = years.get(member.pk, set())
        if _missing_both(member, have, last_year):
            if _lapse(member=member, last_year=last_year):
                lapsed += 1
            continue
        if _missing_both(member, have, next_year):
            for days in sorted(REMINDER_DAYS):
                if days_left <= days and _remind(member=member, year=next_year, days=days):
                    reminded += 1
                    break  # one email per night: the most urgent reminder due
    return LapseRun(reminded=reminded, lapsed=lapsed)


@transaction.atomic
def _remind(*, member: Member, year: int, days: int) -> bool:
    # Claiming the row is the guard: a second run (or a concurrent one) finds it and sends nothing.
    if LapseReminder.objects.filter(
        member=member, reporting_year=year, days_before__lte=days
    ).exists():
        return False
    try:
        with transaction.atomic():
            LapseReminder.objects.create(member=member, reporting_year=year, days_before=days)
    except IntegrityError:
        return False
    send_on_commit(
        "lapse_reminder",
        to=[*_admin_emails(member), member.contact_email],
        context={
            "member": member,
            "year": year,
            "previous_year": year - 1,
            "deadline": report_deadline(year),
            "days": days,
        },
    )
    return True


@transaction.atomic
def _lapse(*, member: Member, last_year: int) -> bool:
    effective_on = report_deadline(last_year) + dt.timedelta(days=1)
    if not Member.objects.filter(pk=member.pk, status=Status.ACTIVE).update(
        status=Status.LAPSED, updated_at=timezone.now()
    ):
        return False
    member.refresh_from_db()
    # The conditional UPDATE sends no signal; the lapse is the system's, so no user.
    record_change(member, actor=None)
    _record_status(
        member=member,
        status=Status.LAPSED,
        effective_on=effective_on,
        reason=_("No approved annual report for %(a)s and %(b)s.")
        % {"a": last_year - 1, "b": last_year},
        actor=None,
    )
    send_on_commit(
        "lapsed",
        to=[*_admin_emails(member), member.contact_email],
        context={"member": member, "year": last_year},
    )
    return True


def tier_next(tier: str) -> str | None:
    i = TIER_ORDER.index(Tier(tier))
    return str(TIER_ORDER[i + 1]) if i + 1 < len(TIER_ORDER) else None
