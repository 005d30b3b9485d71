"""Member organisations (the tenants), their staff, tiers, status and applications."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
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
