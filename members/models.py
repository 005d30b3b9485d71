"""Member organisations (the tenants), their staff, tiers, status and applications."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chapters.models import Chapter, Country


class OrganisationType(models.TextChoices):
    NCPC = "ncpc", _("National Cleaner Production Centre")
    NCPP = "ncpp", _("National Cleaner Production Programme")
    OTHER = "other_provider", _("Other RECP provider")


class Tier(models.TextChoices):
    OBSERVER = "observer", _("Observer")
    ASSOCIATE = "associate", _("Associate")
    REGULAR = "regular", _("Regular")


TIER_ORDER = [Tier.OBSERVER, Tier.ASSOCIATE, Tier.REGULAR]


class Status(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    ACTIVE = "active", _("Active")
    LAPSED = "lapsed", _("Lapsed")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Member(models.Model):
    """A member organisation of RECPnet: the tenant that owns cases and annual reports.

    ``tier`` and ``status`` are the current values; their dated history is in
    :class:`TierChange` and :class:`StatusChange`, from which growth is computed.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="members", verbose_name=_("country")
    )
    organisation_type = models.CharField(
        _("organisation type"), max_length=20, choices=OrganisationType.choices
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.OBSERVER)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    founding = models.BooleanField(_("founding member"), default=False)
    established = models.PositiveSmallIntegerField(_("year established"), null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("profile"), blank=True)
    themes = models.JSONField(_("expertise themes"), default=list, blank=True)
    sectors = models.JSONField(_("expertise sectors (ISIC)"), default=list, blank=True)
    services = models.TextField(_("services offered"), blank=True)
    # Network-only contact details: shown to logged-in users of active members only.
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    address = models.TextField(_("address"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("name",)
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [models.Index(fields=("status", "tier"))]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="member_name_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(tier__in=["observer", "associate", "regular"]),
                name="member_tier_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["applicant", "active", "lapsed", "suspended", "withdrawn"]
                ),
                name="member_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def chapter(self) -> Chapter:
        return self.country.chapter


class Role(models.TextChoices):
    ADMIN = "admin", _("Member admin")
    STAFF = "staff", _("Member staff")


class Membership(models.Model):
    """A user's staff role in one member organisation. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [models.UniqueConstraint(fields=("user", "member"), name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.member} ({self.role})"


class TierChange(models.Model):
    """One dated change of a member's tier, with who recorded it and why."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="tier_changes")
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("member", "effective_on", "recorded_at")
        verbose_name = _("tier change")
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="tierchange_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.tier} on {self.effective_on}"


class StatusChange(models.Model):
    """One dated change of a member's status (joined, lapsed, suspended, re-activated …)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("member", "effective_on", "recorded_at")
        verbose_name = _("status change")
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="statuschange_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.status} on {self.effective_on}"


class Invitation(models.Model):
    """An invitation, sent by a member admin, for someone to join the member's staff."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("invitation")

    def __str__(self) -> str:
        return f"{self.email} → {self.member}"


class ApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting the chapter coordinator")
    RECOMMENDED = "recommended", _("Recommended by the chapter coordinator")
    NOT_RECOMMENDED = "not_recommended", _("Not recommended by the chapter coordinator")
    ADMITTED = "admitted", _("Admitted as observer member")
    REJECTED = "rejected", _("Rejected")


OPEN_APPLICATION_STATES = (
    ApplicationState.SUBMITTED,
    ApplicationState.RECOMMENDED,
    ApplicationState.NOT_RECOMMENDED,
)


class Application(models.Model):
    """An organisation's online application for membership.

    ``submitted`` → the chapter coordinator recommends or not (``recommended`` /
    ``not_recommended``) → the secretariat admits it as an observer (``admitted``, ``member`` set)
    or rejects it (``rejected``, with a reason).
    """

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="membership_applications",
        verbose_name=_("applicant"),
    )
    name = models.CharField(_("organisation name"), max_length=200)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    organisation_type = models.CharField(
        _("organisation type"), max_length=20, choices=OrganisationType.choices
    )
    established = models.PositiveSmallIntegerField(_("year established"), null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("profile"))
    themes = models.JSONField(_("expertise themes"), default=list, blank=True)
    services = models.TextField(_("services offered"), blank=True)
    track_record = models.TextField(
        _("RECP track record"),
        help_text=_("RECP projects, assessments, trainings and results of the last years."),
    )
    contact_email = models.EmailField(_("contact email"))
    charter_accepted = models.BooleanField(_("the RECPnet Charter is accepted"), default=False)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=ApplicationState.choices,
        default=ApplicationState.SUBMITTED,
    )
    coordinator_comment = models.TextField(_("coordinator's comment"), blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recommended_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    member = models.OneToOneField(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("member"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(charter_accepted=True), name="application_charter_accepted"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="admitted") | models.Q(member__isnull=False),
                name="application_admitted_has_member",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="rejected") | ~models.Q(decision_reason=""),
                name="application_rejected_has_reason",
            ),
            # No uniqueness on the organisation's name: refusing a second application would tell
            # anyone that one is pending. Applications sharing a name with an open application
            # or a member are flagged to the secretariat instead (members.selectors).
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_APPLICATION_STATES

    @property
    def chapter(self) -> Chapter:
        return self.country.chapter


class EligibilityThreshold(models.Model):
    """What a member needs, in approved evidence and years, to be eligible for ``tier``.

    Data, not code: seeded by a data migration and edited by the secretariat in the admin.
    """

    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, unique=True)
    min_annual_reports = models.PositiveSmallIntegerField(_("approved annual reports"), default=0)
    min_cases = models.PositiveSmallIntegerField(_("approved cases"), default=0)
    min_years_member = models.PositiveSmallIntegerField(_("years as member"), default=0)

    class Meta:
        ordering = ("tier",)
        verbose_name = _("eligibility threshold")
        verbose_name_plural = _("eligibility thresholds")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(tier="observer"), name="threshold_not_for_entry_tier"
            )
        ]

    def __str__(self) -> str:
        return str(self.get_tier_display())


class ExecutiveSeat(models.Model):
    """A seat on the RECPnet Executive Committee held by a regular member for a term."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="executive_seats", verbose_name=_("member")
    )
    title = models.CharField(_("seat"), max_length=100, default="Member")
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-term_start",)
        verbose_name = _("Executive Committee seat")
        verbose_name_plural = _("Executive Committee seats")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True)
                | models.Q(term_end__gte=models.F("term_start")),
                name="seat_term_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.title} ({self.term_start}–{self.term_end or '…'})"


class LapseReminder(models.Model):
    """A reminder sent to a member before it lapses; unique so the nightly job never sends one
    twice, even when two runs overlap."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="lapse_reminders")
    reporting_year = models.PositiveSmallIntegerField(_("reporting year"))
    days_before = models.PositiveSmallIntegerField(_("days before lapsing"))
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-sent_at",)
        verbose_name = _("lapse reminder")
        constraints = [
            models.UniqueConstraint(
                fields=("member", "reporting_year", "days_before"), name="lapse_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.days_before} days before lapsing ({self.reporting_year})"
