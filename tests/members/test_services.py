"""Services of members: tiers and their history, status, seats, invitations, applications, and
bad input that gives a field-named message and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from members import selectors, services
from members.models import (
    Application,
    ApplicationState,
    Invitation,
    Member,
    Membership,
    Role,
    Status,
    StatusChange,
    Tier,
    TierChange,
)
from recpnet.exceptions import ConflictError
from tests import factories

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Member.objects.count(),
        TierChange.objects.count(),
        StatusChange.objects.count(),
        Invitation.objects.count(),
        Application.objects.count(),
        Membership.objects.count(),
    )


def _apply(actor: Any, **overrides: Any) -> Application:
    data: dict[str, Any] = {
        "name": "Uganda Cleaner Production Centre",
        "country": "UG",
        "organisation_type": "ncpc",
        "description": "RECP services for Ugandan industry.",
        "track_record": "200 assessments, 40 trainings since 2001.",
        "contact_email": actor.email,  # an address the applicant has verified
        "charter_accepted": True,
        "themes": ["energy_efficiency", "water"],
    }
    data.update(overrides)
    return services.application_submit(actor=actor, **data)


# --- members ---------------------------------------------------------------------------------


def test_member_create_writes_first_history_rows(tenancy: Any) -> None:
    member = services.member_create(
        actor=tenancy.secretariat,
        name="Peru Cleaner Production Centre",
        country="pe",
        organisation_type="ncpc",
        joined_on=dt.date(2011, 4, 1),
        tier=Tier.ASSOCIATE,
    )
    assert member.slug == "peru-cleaner-production-centre"
    assert member.chapter.slug == "latin-america-caribbean"
    assert list(member.tier_changes.values_list("tier", "effective_on")) == [
        ("associate", dt.date(2011, 4, 1))
    ]
    assert list(member.status_changes.values_list("status", flat=True)) == ["active"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "kenya national cleaner production centre"}, "name"),
        ({"slug": "kncpc"}, "slug"),
        ({"country": "XX"}, "country"),
        ({"name": "  "}, "name"),
        ({"tier": "platinum"}, "tier"),
        ({"themes": ["astrology"]}, "themes"),
    ],
)
def test_member_create_bad_input_names_the_field_and_changes_nothing(
    tenancy: Any, overrides: dict[str, Any], field: str
) -> None:
    before = _counts()
    data: dict[str, Any] = {"name": "New Centre", "country": "KE", "organisation_type": "ncpc"}
    data.update(overrides)
    with pytest.raises(ValidationError) as exc:
        services.member_create(actor=tenancy.secretariat, **data)
    assert field in exc.value.message_dict
    assert _counts() == before


def test_member_create_is_for_the_secretariat(tenancy: Any) -> None:
    for actor in (tenancy.admin_a, tenancy.coordinator_a, tenancy.outsider):
        with pytest.raises(PermissionDenied):
            services.member_create(actor=actor, name="X", country="KE", organisation_type="ncpc")


def test_member_update_by_admin_and_limits(tenancy: Any) -> None:
    services.member_update(
        actor=tenancy.admin_a, member=tenancy.member_a, description="New profile", themes=["water"]
    )
    tenancy.member_a.refresh_from_db()
    assert tenancy.member_a.description == "New profile"
    with pytest.raises(PermissionDenied):
        services.member_update(actor=tenancy.admin_a, member=tenancy.member_a, name="Renamed")
    with pytest.raises(PermissionDenied):
        services.member_update(actor=tenancy.staff_a, member=tenancy.member_a, description="x")
    with pytest.raises(PermissionDenied):
        services.member_update(actor=tenancy.admin_b, member=tenancy.member_a, description="x")
    with pytest.raises(ValidationError) as exc:
        services.member_update(
            actor=tenancy.secretariat, member=tenancy.member_a, name=tenancy.member_b.name.lower()
        )
    assert "name" in exc.value.message_dict


# --- tiers -----------------------------------------------------------------------------------


def test_tier_history_with_backdating_sets_the_current_tier(tenancy: Any) -> None:
    member = tenancy.member_a
    services.member_change_tier(
        actor=tenancy.secretariat,
        member=member,
        tier=Tier.REGULAR,
        effective_on=dt.date(2014, 1, 1),
        reason="Three years of approved reports",
    )
    # Recording older history does not change the current tier.
    services.member_change_tier(
        actor=tenancy.secretariat,
        member=member,
        tier=Tier.ASSOCIATE,
        effective_on=dt.date(2012, 1, 1),
        reason="History: promoted in 2012",
    )
    member.refresh_from_db()
    assert member.tier == Tier.REGULAR
    history = list(selectors.tier_history(member=member).values_list("tier", "effective_on"))
    assert history == [("regular", dt.date(2014, 1, 1)), ("associate", dt.date(2012, 1, 1))]
    change = selectors.tier_history(member=member).first()
    assert change is not None
    assert change.actor == tenancy.secretariat
    assert change.reason == "Three years of approved reports"
    assert len(mail.outbox) == 0  # emails go out on commit only


def test_tier_change_emails_the_admins_on_commit(
    tenancy: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.member_change_tier(
            actor=tenancy.secretariat,
            member=tenancy.member_a,
            tier=Tier.ASSOCIATE,
            effective_on=None,
            reason="Eligible",
        )
    assert [m.to for m in mail.outbox] == [[tenancy.admin_a.email]]
    assert "Associate" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tier": Tier.ASSOCIATE, "reason": ""}, "reason"),
        ({"tier": Tier.ASSOCIATE, "reason": "   "}, "reason"),
        ({"tier": "gold", "reason": "x"}, "tier"),
        (
            {"tier": Tier.ASSOCIATE, "reason": "x", "effective_on": dt.date(2999, 1, 1)},
            "effective_on",
        ),
        (
            {"tier": Tier.ASSOCIATE, "reason": "x", "effective_on": dt.date(1, 1, 1)},
            "effective_on",
        ),
        (
            {"tier": Tier.ASSOCIATE, "reason": "x", "effective_on": dt.date(1989, 12, 31)},
            "effective_on",
        ),
    ],
)
def test_tier_change_bad_input(tenancy: Any, kwargs: dict[str, Any], field: str) -> None:
    before = _counts()
    kwargs.setdefault("effective_on", None)
    with pytest.raises(ValidationError) as exc:
        services.member_change_tier(actor=tenancy.secretariat, member=tenancy.member_a, **kwargs)
    assert field in exc.value.message_dict
    assert _counts() == before
    tenancy.member_a.refresh_from_db()
    assert tenancy.member_a.tier == Tier.OBSERVER


def test_tier_change_only_by_secretariat_and_not_to_the_same_tier(tenancy: Any) -> None:
    for actor in (tenancy.admin_a, tenancy.coordinator_a):
        with pytest.raises(PermissionDenied):
            services.member_change_tier(
                actor=actor,
                member=tenancy.member_a,
                tier="associate",
                effective_on=None,
                reason="x",
            )
    services.member_change_tier(
        actor=tenancy.secretariat,
        member=tenancy.member_a,
        tier="associate",
        effective_on=None,
        reason="x",
    )
    with pytest.raises(ConflictError):
        services.member_change_tier(
            actor=tenancy.secretariat,
            member=tenancy.member_a,
            tier="associate",
            effective_on=None,
            reason="y",
        )


def test_executive_seat_only_for_regular_members(tenancy: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.executive_seat_create(
            actor=tenancy.secretariat, member=tenancy.member_a, term_start=dt.date(2015, 1, 1)
        )
    assert "member" in exc.value.message_dict
    services.member_change_tier(
        actor=tenancy.secretariat,
        member=tenancy.member_a,
        tier="regular",
        effective_on=None,
        reason="x",
    )
    tenancy.member_a.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.executive_seat_create(
            actor=tenancy.secretariat,
            member=tenancy.member_a,
            term_start=dt.date(2015, 1, 1),
            term_end=dt.date(2014, 1, 1),
        )
    assert "term_end" in exc.value.message_dict
    seat = services.executive_seat_create(
        actor=tenancy.secretariat,
        member=tenancy.member_a,
        title="Chair",
        term_start=dt.date(2015, 1, 1),
        term_end=dt.date(2017, 12, 31),
    )
    assert seat.member == tenancy.member_a
    with pytest.raises(PermissionDenied):
        services.executive_seat_create(
            actor=tenancy.admin_a, member=tenancy.member_a, term_start=dt.date(2015, 1, 1)
        )


# --- status ----------------------------------------------------------------------------------


def test_status_lifecycle_and_reactivation(tenancy: Any) -> None:
    member = tenancy.member_a
    services.member_change_status(
        actor=tenancy.secretariat, member=member, status=Status.SUSPENDED, reason="Unpaid"
    )
    with pytest.raises(ConflictError):
        services.member_change_status(
            actor=tenancy.secretariat, member=member, status=Status.LAPSED, reason="x"
        )
    services.member_reactivate(actor=tenancy.secretariat, member=member, reason="Resolved")
    member.refresh_from_db()
    assert member.status == Status.ACTIVE
    assert list(member.status_changes.order_by("recorded_at").values_list("status", "actor")) == [
        ("suspended", tenancy.secretariat.pk),
        ("active", tenancy.secretariat.pk),
    ]
    with pytest.raises(ValidationError) as exc:
        services.member_change_status(
            actor=tenancy.secretariat, member=member, status=Status.SUSPENDED, reason=""
        )
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.member_reactivate(actor=tenancy.admin_a, member=member, reason="x")


# --- eligibility -----------------------------------------------------------------------------


def test_eligibility_from_thresholds_and_the_evidence_seam(
    tenancy: Any, fake_evidence: Any
) -> None:
    member = tenancy.member_a
    member.joined_on = dt.date(2012, 1, 1)
    today = dt.date(2015, 6, 1)
    result = selectors.member_eligibility(member=member, today=today)
    assert result.next_tier == "associate"
    assert not result.eligible
    assert {c.code: (c.required, c.actual) for c in result.checks} == {
        "annual_reports": (1, 0),
        "cases": (1, 0),
        "years_member": (1, 3),
    }
    fake_evidence.report_years[member.pk] = {2013}
    fake_evidence.case_counts[member.pk] = 1
    assert selectors.member_eligibility(member=member, today=today).eligible
    member.tier = Tier.ASSOCIATE
    regular = selectors.member_eligibility(member=member, today=today)
    assert regular.next_tier == "regular"
    assert not regular.eligible  # 2 reports and 3 cases needed
    member.tier = Tier.REGULAR
    assert selectors.member_eligibility(member=member, today=today).next_tier is None


# --- invitations -----------------------------------------------------------------------------


def test_invitation_flow(tenancy: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=tenancy.admin_a, member=tenancy.member_a, email="New.Person@Example.org"
        )
    assert mail.outbox[0].to == ["new.person@example.org"]
    assert str(invitation.token) in mail.outbox[0].body
    invitee = factories.UserFactory(email="new.person@example.org")
    membership = services.invitation_accept(actor=invitee, invitation=invitation)
    assert membership.member == tenancy.member_a
    assert membership.role == Role.STAFF
    with pytest.raises(ConflictError, match="already been used"):
        services.invitation_accept(actor=invitee, invitation=invitation)


def test_invitation_rejections(tenancy: Any) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(
            actor=tenancy.admin_a, member=tenancy.member_a, email=tenancy.staff_a.email.upper()
        )
    assert "already on the staff" in exc.value.message_dict["email"][0]
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=tenancy.staff_a, member=tenancy.member_a, email="a@b.org")
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=tenancy.admin_b, member=tenancy.member_a, email="a@b.org")
    assert _counts() == before
    services.invitation_create(actor=tenancy.admin_a, member=tenancy.member_a, email="a@b.org")
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(actor=tenancy.admin_a, member=tenancy.member_a, email="a@b.org")
    assert "already been invited" in exc.value.message_dict["email"][0]


def test_expired_revoked_and_wrong_address_invitations(tenancy: Any) -> None:
    invitee = factories.UserFactory(email="late@example.org")
    expired = services.invitation_create(
        actor=tenancy.admin_a, member=tenancy.member_a, email="late@example.org"
    )
    Invitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    expired.refresh_from_db()
    with pytest.raises(ConflictError, match="expired"):
        services.invitation_accept(actor=invitee, invitation=expired)
    revoked = services.invitation_create(
        actor=tenancy.admin_a, member=tenancy.member_a, email="late@example.org"
    )
    services.invitation_revoke(actor=tenancy.admin_a, invitation=revoked)
    with pytest.raises(ConflictError, match="withdrawn"):
        services.invitation_accept(actor=invitee, invitation=revoked)
    other = services.invitation_create(
        actor=tenancy.admin_b, member=tenancy.member_b, email="late@example.org"
    )
    with pytest.raises(PermissionDenied):
        services.invitation_accept(actor=tenancy.outsider, invitation=other)
    assert not Membership.objects.filter(user__in=[invitee, tenancy.outsider]).exists()


def test_staff_removal_keeps_one_admin(tenancy: Any) -> None:
    admin_membership = tenancy.member_a.memberships.get(user=tenancy.admin_a)
    with pytest.raises(ConflictError):
        services.staff_remove(actor=tenancy.admin_a, membership=admin_membership)
    staff_membership = tenancy.member_a.memberships.get(user=tenancy.staff_a)
    with pytest.raises(PermissionDenied):
        services.staff_remove(actor=tenancy.staff_a, membership=admin_membership)
    services.staff_remove(actor=tenancy.admin_a, membership=staff_membership)
    assert not tenancy.member_a.memberships.filter(user=tenancy.staff_a).exists()


# --- applications ----------------------------------------------------------------------------


def test_application_flow_admits_an_observer(
    tenancy: Any, django_capture_on_commit_callbacks: Any
) -> None:
    applicant = tenancy.outsider
    with django_capture_on_commit_callbacks(execute=True):
        application = _apply(applicant)
    recipients = {address for m in mail.outbox for address in m.to}
    assert {applicant.email, tenancy.coordinator_a.email} <= recipients
    assert tenancy.coordinator_b.email not in recipients

    with pytest.raises(PermissionDenied):
        services.application_recommend(
            actor=tenancy.coordinator_b, application=application, recommend=True, comment="x"
        )
    with pytest.raises(ConflictError, match="recommendation"):
        services.application_admit(actor=tenancy.secretariat, application=application)
    with pytest.raises(ValidationError) as exc:
        services.application_recommend(
            actor=tenancy.coordinator_a, application=application, recommend=True, comment=" "
        )
    assert "comment" in exc.value.message_dict

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_recommend(
            actor=tenancy.coordinator_a,
            application=application,
            recommend=True,
            comment="Strong track record in the region.",
        )
    assert {applicant.email, tenancy.secretariat.email} <= {a for m in mail.outbox for a in m.to}
    with pytest.raises(PermissionDenied):
        services.application_admit(actor=tenancy.coordinator_a, application=application)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        member = services.application_admit(actor=tenancy.secretariat, application=application)
    application.refresh_from_db()
    assert application.state == ApplicationState.ADMITTED
    assert application.member == member
    assert (member.tier, member.status, member.joined_on) == (
        Tier.OBSERVER,
        Status.ACTIVE,
        timezone.localdate(),
    )
    assert member.memberships.get().user == applicant
    assert member.memberships.get().role == Role.ADMIN
    assert member.tier_changes.get().actor == tenancy.secretariat
    assert member.status_changes.get().status == Status.ACTIVE
    assert any(applicant.email in m.to for m in mail.outbox)
    with pytest.raises(ConflictError):
        services.application_reject(actor=tenancy.secretariat, application=application, reason="x")


def test_application_rejection_needs_a_reason(tenancy: Any) -> None:
    application = _apply(tenancy.outsider)
    with pytest.raises(ValidationError) as exc:
        services.application_reject(actor=tenancy.secretariat, application=application, reason="")
    assert "reason" in exc.value.message_dict
    services.application_reject(
        actor=tenancy.secretariat, application=application, reason="Not an RECP provider."
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.REJECTED
    # Once closed, the organisation may apply again.
    assert _apply(tenancy.outsider).state == ApplicationState.SUBMITTED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"charter_accepted": False}, "charter_accepted"),
        ({"country": "ZZ"}, "country"),
        ({"name": ""}, "name"),
        ({"organisation_type": "club"}, "organisation_type"),
    ],
)
def test_application_bad_input(tenancy: Any, overrides: dict[str, Any], field: str) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        _apply(tenancy.outsider, **overrides)
    assert field in exc.value.message_dict
    assert _counts() == before


def test_an_application_named_like_a_pending_one_or_a_member_is_accepted(tenancy: Any) -> None:
    """Refusing it would tell the applicant what is pending; the secretariat sees it flagged
    (tests/members/test_no_enumeration.py) and admits at most one member of a name."""
    first = _apply(tenancy.outsider)
    second = _apply(tenancy.staff_b, name="UGANDA cleaner production centre")
    like_member = _apply(tenancy.outsider, name=tenancy.member_a.name.lower())
    assert {a.state for a in (first, second, like_member)} == {ApplicationState.SUBMITTED}
    for application in (first, second):
        services.application_recommend(
            actor=tenancy.coordinator_a, application=application, recommend=True, comment="ok"
        )
    services.application_admit(actor=tenancy.secretariat, application=first)
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.application_admit(actor=tenancy.secretariat, application=second)
    assert "already exists" in exc.value.message_dict["name"][0]
    assert _counts() == before


@pytest.mark.parametrize("effective_on", [dt.date(1, 1, 1), dt.date(1989, 12, 31)])
def test_status_change_before_1990_is_refused(tenancy: Any, effective_on: dt.date) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.member_change_status(
            actor=tenancy.secretariat,
            member=tenancy.member_a,
            status=Status.SUSPENDED,
            reason="x",
            effective_on=effective_on,
        )
    assert list(exc.value.message_dict) == ["effective_on"]
    assert "1990-01-01" in exc.value.message_dict["effective_on"][0]
    assert _counts() == before
    tenancy.member_a.refresh_from_db()
    assert tenancy.member_a.status == Status.ACTIVE


def test_effective_on_1990_01_01_is_the_earliest_accepted(tenancy: Any) -> None:
    change = services.member_change_tier(
        actor=tenancy.secretariat,
        member=tenancy.member_a,
        tier=Tier.ASSOCIATE,
        effective_on=dt.date(1990, 1, 1),
        reason="Founding associate",
    )
    assert change.effective_on == dt.date(1990, 1, 1)


def test_member_invitation_get_is_the_managers_of_that_member_only(tenancy: Any) -> None:
    invitation = services.invitation_create(
        actor=tenancy.admin_a, member=tenancy.member_a, email="new@example.org"
    )
    for actor in (tenancy.admin_a, tenancy.secretariat):
        got = selectors.member_invitation_get(
            actor=actor, member=tenancy.member_a, pk=invitation.pk
        )
        assert got == invitation
    # Another member's admin, naming its own member or the invitation's, gets 404 alike.
    with pytest.raises(Http404):
        selectors.member_invitation_get(
            actor=tenancy.admin_b, member=tenancy.member_b, pk=invitation.pk
        )
    with pytest.raises(Http404):
        selectors.member_invitation_get(
            actor=tenancy.admin_b, member=tenancy.member_a, pk=invitation.pk
        )
    for who in ("staff_a", "coordinator_a", "outsider"):
        with pytest.raises(Http404):
            selectors.member_invitation_get(
                actor=getattr(tenancy, who), member=tenancy.member_a, pk=invitation.pk
            )
