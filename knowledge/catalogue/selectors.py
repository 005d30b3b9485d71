"""Every read of the catalogue: indicators and exchange rates are public data (the figures they
produce are shown to everyone); what items wait for is the secretariat's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from knowledge.catalogue import policies, rate_demand, units
from knowledge.catalogue.models import ExchangeRate, Indicator, IndicatorCategory
from knowledge.catalogue.rate_demand import MissingRate

# --- indicators -----------------------------------------------------------------------------


def indicators_list() -> QuerySet[Indicator]:
    """The indicator catalogue: public data."""
    return Indicator.objects.all()


def impact_indicators() -> QuerySet[Indicator]:
    """The indicators a report gives totals for (impacts and money), in catalogue order."""
    return Indicator.objects.exclude(category=IndicatorCategory.ACTIVITY)


def impact_indicator_choices() -> list[dict[str, Any]]:
    """Each indicator a report gives totals for, with what its form row offers: the units a
    value may be entered in (``money``: any currency with a rate instead)."""
    return [
        {
            "code": i.code,
            "name": i.name,
            "unit": i.unit,
            "money": i.category == IndicatorCategory.MONEY,
            "units": units.compatible_units(i.unit),
        }
        for i in impact_indicators()
    ]


def physical_indicators() -> dict[str, Indicator]:
    """The physical impact indicators (money and activities aside) by code: those a case's
    impacts are given in."""
    return {i.code: i for i in Indicator.objects.filter(category=IndicatorCategory.IMPACT)}


# --- exchange rates -------------------------------------------------------------------------


def exchange_rates_list() -> QuerySet[ExchangeRate]:
    """Exchange rates: public data (the USD values they produce are shown to everyone)."""
    return ExchangeRate.objects.order_by("currency", "-year")


def exchange_rate_for(*, currency: str, year: int | None) -> ExchangeRate | None:
    """The rate of ``currency`` in ``year``, if there is one (for the form that changes it)."""
    if not currency or year is None:
        return None
    return ExchangeRate.objects.filter(currency=currency, year=year).first()


def exchange_rate_get(*, actor: Any, pk: int) -> ExchangeRate:
    """A rate for the secretariat to change: 404 if there is none, 403 for anyone else."""
    rate = policies.get(ExchangeRate.objects.all(), actor, "exchange_rate", "view", pk=pk)
    policies.require(actor, "exchange_rate", "edit", rate)
    return rate


def missing_rates_among(pairs: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """The (currency, year) pairs, USD aside, that have no exchange rate (one query)."""
    wanted = {(c, y) for c, y in pairs if c and c != "USD" and y}
    if not wanted:
        return []
    known = set(
        ExchangeRate.objects.filter(
            currency__in={c for c, _y in wanted}, year__in={y for _c, y in wanted}
        ).values_list("currency", "year")
    )
    return sorted(wanted - known)


def missing_exchange_rates(*, actor: Any) -> dict[str, list[MissingRate]]:
    """The rates the secretariat has yet to add, by group of the items waiting for them
    (``"submitted"``, ``"draft"``), counted by the evidence through
    :mod:`~knowledge.catalogue.rate_demand` (secretariat only)."""
    policies.authorize(actor, "exchange_rate", "view_waiting")
    return rate_demand.rates_waiting(actor=actor)


__all__ = [
    "MissingRate",
    "exchange_rate_for",
    "exchange_rate_get",
    "exchange_rates_list",
    "impact_indicator_choices",
    "impact_indicators",
    "indicators_list",
    "missing_exchange_rates",
    "missing_rates_among",
    "physical_indicators",
]
