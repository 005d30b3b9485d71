"""The common indicator catalogue and the exchange rates used to express money in USD."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class IndicatorCategory(models.TextChoices):
    IMPACT = "impact", _("Impact")
    MONEY = "money", _("Money")
    ACTIVITY = "activity", _("Activity")


class Indicator(models.Model):
    """A common indicator (e.g. ``energy_saved`` in MWh/yr). Data, seeded, extendable by the
    secretariat. ``input_units`` lists the units a value may be entered in; each converts to
    ``unit`` with pint (``knowledge.catalogue.units``)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit stored"), max_length=20, blank=True)
    category = models.CharField(_("category"), max_length=10, choices=IndicatorCategory.choices)
    input_units = models.JSONField(_("accepted input units"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ("position", "code")
        verbose_name = _("indicator")

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


class ExchangeRate(models.Model):
    """USD per one unit of ``currency`` for a calendar year (annual average), kept by the
    secretariat. A money amount in a currency with no rate for its year can be saved in a draft
    (with a warning) but not submitted. ``source`` says honestly where the value comes from."""

    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)
    year = models.PositiveSmallIntegerField(_("year"))
    usd_per_unit = models.DecimalField(_("USD per unit"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ("currency", "year")
        verbose_name = _("exchange rate")
        constraints = [
            models.UniqueConstraint(fields=("currency", "year"), name="exchangerate_unique"),
            models.CheckConstraint(
                condition=models.Q(usd_per_unit__gt=Decimal(0)), name="exchangerate_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="exchangerate_iso4217"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.year}: {self.usd_per_unit} USD"
