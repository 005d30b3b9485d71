"""Reminders sent by the evidence's one reminder system (``knowledge.evidence.reminders``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    """One reminder: of ``kind`` (``report_deadline``, ``review_waiting``, …), about ``key``
    (what it is about within the kind: a member and a year, an item and its submission), at
    ``stage`` (days before a deadline, days waiting, …). Unique, so a reminder is sent once
    per stage even when two runs of the daily job overlap: inserting the row claims it, and the
    email goes out when that insert commits."""

    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("about"), max_length=100)
    stage = models.PositiveIntegerField(_("stage"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ("-sent_at", "-pk")
        verbose_name = _("reminder")
        constraints = [
            models.UniqueConstraint(fields=("kind", "key", "stage"), name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} at {self.stage}"
