"""Statistics rolled up from approved annual reports and cases.

Rows are keyed by (scope, year, indicator) and recomputed from source slice by slice — a slice
is one (scope, year) — never incremented. :class:`StatisticSlice` is the slice's lock row (one
computation per slice at a time) and its staleness marker.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Statistic(models.Model):
    """One stored figure: ``total`` of ``indicator`` over the approved items of ``scope`` in
    ``year`` (``global``, ``chapter:<slug>``, ``country:<ISO2>``, ``sector:<ISIC section>``,
    ``tier:<tier>``), with how many items, enterprises and members are behind it, and for
    case-level ratios (``payback_years``, ``*_productivity_change_pct``,
    ``*_intensity_change_pct``) the median and quartiles."""

    scope = models.CharField(_("scope"), max_length=80)
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.CharField(_("indicator"), max_length=60)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=10)  # "reports" | "cases"
    total = models.DecimalField(max_digits=28, decimal_places=6, null=True, blank=True)
    # Sums of per-item counters (one report may assist up to a billion enterprises): 64-bit,
    # so that no accepted input can overflow a figure and stop its slice from recomputing.
    n_items = models.PositiveBigIntegerField(default=0)
    n_enterprises = models.PositiveBigIntegerField(default=0)
    n_members = models.PositiveBigIntegerField(default=0)
    median = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    p25 = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    p75 = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ("scope", "year", "indicator")
        verbose_name = _("statistic")
        constraints = [
            models.UniqueConstraint(
                fields=("scope", "year", "indicator"), name="statistic_scope_year_indicator"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["reports", "cases"]), name="statistic_source"
            ),
        ]
        indexes = [models.Index(fields=("year", "indicator"), name="statistic_year_indicator")]

    def __str__(self) -> str:
        return f"{self.scope} {self.year} {self.indicator} = {self.total}"


class StatisticSlice(models.Model):
    """The lock row and bookkeeping of one (scope, year) slice.

    A recompute locks this row (``SELECT … FOR UPDATE``) so that one computation per slice runs
    at a time. ``dirty_since`` is set in the approving transaction itself, so a slice whose
    recompute could not be enqueued (broker down) is visibly stale until a recompute or the
    nightly rebuild clears it.

    A recompute that fails for this slice alone (a poison item) is recorded here rather than
    stopping the other slices: ``failed_since``/``failed_at`` (first and last failure since the
    last success), ``failures`` (how many runs failed), the ``error`` and the ``suspects`` — the
    approved items of the slice changed since its last good computation, newest first, as
    ``[["report" | "case", pk], …]``. The slice stays stale; a successful run clears all five."""

    scope = models.CharField(_("scope"), max_length=80)
    year = models.PositiveSmallIntegerField(_("year"))
    dirty_since = models.DateTimeField(_("stale since"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    failed_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    failed_at = models.DateTimeField(_("last failed at"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failed runs"), default=0)
    error = models.TextField(_("error"), blank=True)
    suspects = models.JSONField(_("suspect items"), default=list, blank=True)

    class Meta:
        ordering = ("scope", "year")
        verbose_name = _("statistics slice")
        constraints = [
            models.UniqueConstraint(fields=("scope", "year"), name="statisticslice_unique"),
            models.CheckConstraint(
                condition=models.Q(failed_since__isnull=True, failed_at__isnull=True, failures=0)
                | models.Q(failed_since__isnull=False, failed_at__isnull=False, failures__gt=0),
                name="statisticslice_failure_recorded",
            ),
        ]
        indexes = [
            models.Index(
                fields=("dirty_since",),
                name="statisticslice_dirty",
                condition=models.Q(dirty_since__isnull=False),
            ),
            # /healthz counts the failing slices on every probe: a handful of rows, not a scan.
            models.Index(
                fields=("failed_since",),
                name="statisticslice_failing",
                condition=models.Q(failed_since__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.year}"
