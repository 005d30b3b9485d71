"""The review workflow shared by cases and annual reports.

``draft → submitted → approved``; ``submitted → returned → submitted``; the secretariat may
``reopen`` an approved item, which sends it back to ``returned``. Every transition is a
:class:`Transition` row. The state machine and its rules live in ``knowledge.evidence.review``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    REOPEN = "reopen", _("Reopened")


class Reviewable(models.Model):
    """Fields every reviewed item has. ``version`` increases on every change, so a stale edit or
    a second reviewer acting on the same item is detected by a conditional UPDATE."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        verbose_name=_("member"),
    )
    member_id: int
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        abstract = True

    @property
    def is_locked(self) -> bool:
        """Approved items cannot be edited; submitted ones wait for the reviewer."""
        return self.status in (ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)

    @property
    def is_editable(self) -> bool:
        return self.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED)


class Transition(models.Model):
    """One recorded step of an item's review: who did what, when, and why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=10, choices=ReviewAction.choices)
    from_status = models.CharField(max_length=10, choices=ReviewStatus.choices)
    to_status = models.CharField(max_length=10, choices=ReviewStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ("at", "pk")
        verbose_name = _("review transition")
        indexes = [models.Index(fields=("content_type", "object_id", "at"))]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"
