"""Annual member reports: one per member and year, reviewed like cases, rolled up into the
network's statistics once approved."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from knowledge.catalogue.models import Indicator
from knowledge.evidence.models.review import Reviewable

# The activity counters of a report, in display order (also the API's ``activity`` keys).
ACTIVITY_FIELDS: tuple[str, ...] = (
    "enterprises_assisted",
    "assessments_completed",
    "people_trained",
    "outreach_events",
    "policy_engagements",
    "options_identified",
    "options_implemented",
)


class AnnualReport(Reviewable):
    """What a member did in one calendar year: activity counters and impact totals for all the
    enterprises it assisted that year (its documented cases are a subset of these)."""

    year = models.PositiveSmallIntegerField(_("reporting year"))
    enterprises_assisted = models.PositiveIntegerField(_("enterprises assisted"), default=0)
    assessments_completed = models.PositiveIntegerField(_("assessments completed"), default=0)
    people_trained = models.PositiveIntegerField(_("people trained"), default=0)
    outreach_events = models.PositiveIntegerField(_("outreach events"), default=0)
    policy_engagements = models.PositiveIntegerField(_("policy engagements"), default=0)
    options_identified = models.PositiveIntegerField(_("options identified"), default=0)
    options_implemented = models.PositiveIntegerField(_("options implemented"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("-year", "member__name")
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        constraints = [
            models.UniqueConstraint(fields=("member", "year"), name="annualreport_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(options_implemented__lte=models.F("options_identified")),
                name="annualreport_implemented_le_identified",
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1990), name="annualreport_year_plausible"
            ),
        ]
        indexes = [models.Index(fields=("status", "year"), name="annualreport_status_year")]

    def __str__(self) -> str:
        return f"{self.member} — {self.year}"

    @property
    def activity(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in ACTIVITY_FIELDS}

    @property
    def activity_rows(self) -> list[tuple[str, int]]:
        """(label, count) of each activity counter, for pages."""
        return [
            (str(getattr(self._meta.get_field(name), "verbose_name", name)), getattr(self, name))
            for name in ACTIVITY_FIELDS
        ]

    @property
    def implementation_rate(self) -> float | None:
        if not self.options_identified:
            return None
        return self.options_implemented / self.options_identified


class ReportImpact(models.Model):
    """One impact total of a report: the value as entered (``value`` in ``unit``; money in
    ``currency``) and the value in the indicator's stored unit or USD (``stored_value``)."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="impacts")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # Empty while a money figure's currency has no exchange rate for the report's year: a draft
    # may be saved so, submission refreshes it and needs the rate.
    stored_value = models.DecimalField(
        _("value in the stored unit"), max_digits=24, decimal_places=6, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ("indicator__position", "indicator__code")
        verbose_name = _("report impact")
        constraints = [
            models.UniqueConstraint(fields=("report", "indicator"), name="reportimpact_unique"),
            models.CheckConstraint(
                condition=models.Q(value__gte=Decimal(0)), name="reportimpact_value_nonnegative"
            ),
            models.CheckConstraint(
                condition=models.Q(stored_value__gte=Decimal(0)),
                name="reportimpact_stored_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.value} {self.unit or self.currency}"
