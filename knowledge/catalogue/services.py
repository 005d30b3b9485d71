"""Every write to the catalogue: the secretariat's exchange rates and indicators.

Each public function is keyword-only, checks the actor's right to act, validates with messages
that name the field and writes in one transaction. A write that changes what a figure is worth
(a rate's value, an indicator's stored unit) publishes its event (:mod:`.events`) in that same
transaction, so the statistics above record what became stale with the change or not at all.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from knowledge.catalogue import policies, units
from knowledge.catalogue.events import ExchangeRateChanged, IndicatorUnitChanged
from knowledge.catalogue.models import ExchangeRate, Indicator, IndicatorCategory
from recpnet import events
from recpnet.numbers import plain

# --- exchange rates -------------------------------------------------------------------------

# A rate this far from the nearest year's rate of the same currency is more often a typo
# (a misplaced decimal point, the inverse quote) than a real move: it needs a second look.
RATE_CONFIRM_DEVIATION = Decimal("0.5")


class RateNeedsConfirmation(ValidationError):
    """The new rate is more than :data:`RATE_CONFIRM_DEVIATION` away from ``nearest``; saving
    it needs ``confirm=True``. ``deviation`` is signed (``new / nearest − 1``)."""

    def __init__(self, *, nearest: ExchangeRate, new: Decimal, deviation: Decimal) -> None:
        super().__init__(
            {
                "confirm": _(
                    "%(new)s USD is %(pct)s %% %(direction)s the nearest known rate of "
                    "%(currency)s (%(year)s: %(nearest)s USD). Check it, then tick "
                    "“confirm” to save it anyway."
                )
                % {
                    "new": plain(new),
                    "pct": plain(abs(deviation * 100).quantize(Decimal("0.1"))),
                    "direction": _("above") if deviation > 0 else _("below"),
                    "currency": nearest.currency,
                    "year": nearest.year,
                    "nearest": plain(nearest.usd_per_unit),
                }
            }
        )
        self.nearest = nearest
        self.deviation = deviation


def rate_needs_confirmation(*, new: Decimal, nearest: Decimal) -> bool:
    """The confirmation rule: ``|new / nearest − 1| > 0.5`` (``nearest`` is positive)."""
    return abs(new / nearest - 1) > RATE_CONFIRM_DEVIATION


def _nearest_rate(*, currency: str, year: int) -> ExchangeRate | None:
    """The known rate of ``currency`` in the year nearest to ``year``: the year's own rate
    when it is being changed (a typed "1,3257" must not turn 1.3257 into 13257 unasked; a real
    correction is confirmed once), else the nearest other year's, the earlier on a tie. A
    currency has a few dozen rates at most, so they are compared here."""
    rates = ExchangeRate.objects.filter(currency=currency)
    return min(rates, key=lambda r: (abs(r.year - year), r.year), default=None)


@transaction.atomic
def exchange_rate_save(
    *,
    actor: Any,
    currency: str,
    year: int,
    usd_per_unit: Decimal,
    source: str,
    confirm: bool = False,
) -> ExchangeRate:
    """Add or change the rate of ``currency`` in ``year`` (secretariat only; history kept).

    ``source`` says where the value comes from and is required. A rate more than 50 % away
    from the nearest known rate of the currency (the year's own when it is changed) raises
    :class:`RateNeedsConfirmation` unless ``confirm``. A new rate or a new value publishes
    :class:`~knowledge.catalogue.events.ExchangeRateChanged`; a new source alone converts
    nothing anew, and a save of what is there writes and publishes nothing."""
    policies.authorize(actor, "exchange_rate", "edit")
    code = (currency or "").strip().upper()
    source = (source or "").strip()
    if not source:
        raise ValidationError(
            {
                "source": _(
                    "Say where the rate comes from (the statistics office or bank and its "
                    "series, or that it is an estimate)."
                )
            }
        )
    if code == "USD":
        raise ValidationError({"currency": _("Amounts in USD need no exchange rate.")})
    if usd_per_unit is None or usd_per_unit <= 0:
        raise ValidationError({"usd_per_unit": _("Enter a rate above zero.")})
    # Locked, so that two saves of one rate are judged one after the other.
    rate = ExchangeRate.objects.select_for_update().filter(
        currency=code, year=year
    ).first() or ExchangeRate(currency=code, year=year)
    if rate.pk and rate.usd_per_unit == usd_per_unit and rate.source == source:
        return rate  # saved unchanged: no history entry
    revalued = rate.pk is None or rate.usd_per_unit != usd_per_unit
    rate.usd_per_unit = usd_per_unit
    rate.source = source
    rate.full_clean()
    nearest = _nearest_rate(currency=code, year=year)
    if (
        nearest is not None
        and not confirm
        and rate_needs_confirmation(new=usd_per_unit, nearest=nearest.usd_per_unit)
    ):
        raise RateNeedsConfirmation(
            nearest=nearest, new=usd_per_unit, deviation=usd_per_unit / nearest.usd_per_unit - 1
        )
    rate.save()
    if revalued:
        events.publish(ExchangeRateChanged(currency=rate.currency, year=rate.year))
    return rate


@transaction.atomic
def exchange_rate_delete(*, actor: Any, rate: ExchangeRate) -> None:
    """Remove a rate (secretariat only; history kept): amounts of that currency and year are
    waiting for a rate again, so :class:`~knowledge.catalogue.events.ExchangeRateChanged` is
    published."""
    policies.authorize(actor, "exchange_rate", "delete", rate)
    deleted, _by_model = ExchangeRate.objects.filter(pk=rate.pk).delete()
    if deleted:
        events.publish(ExchangeRateChanged(currency=rate.currency, year=rate.year))


@transaction.atomic
def exchange_rate_seed(
    *, currency: str, year: int, usd_per_unit: Decimal, source: str
) -> tuple[ExchangeRate, bool]:
    """Reference data (the demo's rates): add the rate of ``currency`` in ``year`` unless there
    is one, which keeps its value. No actor and no confirmation: the values are the loader's.
    Returns the rate and whether it was added (and :class:`ExchangeRateChanged` published)."""
    rate, created = ExchangeRate.objects.get_or_create(
        currency=currency,
        year=year,
        defaults={"usd_per_unit": usd_per_unit, "source": source},
    )
    if created:
        events.publish(ExchangeRateChanged(currency=rate.currency, year=rate.year))
    return rate, created


# --- indicators -----------------------------------------------------------------------------

# The stored unit each category may have: what the conversions (``units``) can produce.
MONEY_UNITS = ("USD", "USD/yr")


def indicator_check(*, indicator: Indicator) -> None:
    """The rules of an indicator the secretariat adds or changes, as a ``ValidationError``
    naming the field (also shown by the admin's form before anything is saved):

    - the code of an existing indicator does not change: it is how the API, the imports and the
      statistics name it;
    - the stored unit is one the conversions know for its category (a physical unit for an
      impact, USD for money, none for an activity count), and every accepted input unit
      converts to it."""
    errors: dict[str, str] = {}
    if indicator.pk is not None:
        code = Indicator.objects.filter(pk=indicator.pk).values_list("code", flat=True).first()
        if code is not None and code != indicator.code:
            errors["code"] = _(
                "The code of an indicator cannot change (it is “%(code)s” in the API, imports "
                "and statistics); add a new indicator instead."
            ) % {"code": code}
    unit = indicator.unit
    if indicator.category == IndicatorCategory.IMPACT:
        # A stored unit of the table (MWh/yr, not GWh nor MWh): the statistics, the exports
        # and the conversions name each quantity by exactly one stored unit.
        compatible = units.compatible_units(unit) if unit in units.STORED_SYMBOL else []
        if not compatible:
            errors["unit"] = _("Use one of the physical units: %(units)s.") % {
                "units": ", ".join(units.STORED_SYMBOL)
            }
        else:
            wrong = [u for u in indicator.input_units or [] if u not in compatible]
            if wrong:
                errors["input_units"] = _(
                    "%(wrong)s do not convert to %(unit)s; use some of: %(units)s."
                ) % {
                    "wrong": ", ".join(map(str, wrong)),
                    "unit": unit,
                    "units": ", ".join(compatible),
                }
    elif indicator.category == IndicatorCategory.MONEY:
        if unit not in MONEY_UNITS:
            errors["unit"] = _("Money is stored in %(units)s.") % {
                "units": " or ".join(MONEY_UNITS)
            }
    elif unit:
        errors["unit"] = _("An activity is a count: leave the unit empty.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def indicator_save(*, actor: Any, indicator: Indicator) -> Indicator:
    """Add or change an indicator (secretariat only; history kept). When the stored unit of an
    existing indicator changes, its figures are restated:
    :class:`~knowledge.catalogue.events.IndicatorUnitChanged` is published. A save that changes
    nothing writes and publishes nothing."""
    policies.authorize(actor, "indicator", "edit", indicator)
    indicator.full_clean()
    indicator_check(indicator=indicator)
    before = None
    if indicator.pk is not None:
        before = Indicator.objects.select_for_update().filter(pk=indicator.pk).first()
    if before is not None and all(
        getattr(before, f.attname) == getattr(indicator, f.attname)
        for f in Indicator._meta.concrete_fields
    ):
        return indicator  # saved unchanged: no history entry
    indicator.save()
    if before is not None and before.unit != indicator.unit:
        events.publish(IndicatorUnitChanged(code=indicator.code))
    return indicator


__all__ = [
    "MONEY_UNITS",
    "RATE_CONFIRM_DEVIATION",
    "RateNeedsConfirmation",
    "exchange_rate_delete",
    "exchange_rate_save",
    "exchange_rate_seed",
    "indicator_check",
    "indicator_save",
    "rate_needs_confirmation",
]
