"""Figures restated when the catalogue changes under them.

Money figures are kept in USD at the catalogue's rate of their year, and physical figures in
their indicator's stored unit. So when a rate is set, changed or removed, or an indicator's
stored unit changes, the figures that depend on it are converted anew — in the transaction of
that change (these functions are subscribed to the catalogue's events), so no committed rate or
unit is ever out of step with the figures, and the statistics (which subscribe to the same
events) recompute from restated figures. What the member typed (amount, currency, value, unit)
is never touched; an item's version and history are not changed by a restatement, which is the
catalogue's change, recorded in the catalogue's history.

A rate under which a recorded amount would leave the declared USD range is refused, naming
the amount, on the rate's ``usd_per_unit``. A rate that is removed leaves its figures without a
USD value, as in a draft saved before the rate existed: the item lists it as a missing rate, and
the statistics leave it out.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from knowledge.catalogue import units
from knowledge.catalogue.events import ExchangeRateChanged, IndicatorUnitChanged
from knowledge.catalogue.models import Indicator
from knowledge.evidence.models.cases import MONEY_PREFIXES, Case, CaseImpact
from knowledge.evidence.models.reports import ReportImpact
from recpnet.numbers import plain


def _usd_or_none(*, amount: Decimal, currency: str, year: int) -> Decimal | None:
    try:
        return units.to_usd(amount=amount, currency=currency, year=year)
    except units.MissingRate:
        return None
    except ValidationError as exc:  # the converted amount is past the declared USD range
        raise ValidationError(
            {
                "usd_per_unit": _(
                    "At this rate, an amount of %(amount)s %(currency)s recorded for %(year)s "
                    "would be out of range in USD (%(why)s)."
                )
                % {
                    "amount": plain(amount),
                    "currency": currency,
                    "year": year,
                    "why": " ".join(exc.messages),
                }
            }
        ) from exc


def restate_money(event: ExchangeRateChanged) -> int:
    """Convert anew every money figure in ``event.currency`` of ``event.year``; returns the
    number of rows whose USD value changed."""
    currency, year = event.currency.upper(), event.year
    changed = 0
    in_currency = Q(investment_currency=currency) | Q(annual_savings_currency=currency)
    for case in Case.objects.filter(in_currency, year=year).only(
        *(f"{p}_{f}" for p in MONEY_PREFIXES for f in ("amount", "currency", "usd")), "year"
    ):
        updates: dict[str, Decimal | None] = {}
        for prefix in MONEY_PREFIXES:
            amount = getattr(case, f"{prefix}_amount")
            if amount is None or getattr(case, f"{prefix}_currency") != currency:
                continue
            usd = _usd_or_none(amount=amount, currency=currency, year=year)
            if usd != getattr(case, f"{prefix}_usd"):
                updates[f"{prefix}_usd"] = usd
        if updates:
            changed += Case.objects.filter(pk=case.pk).update(**updates)
    for impact in ReportImpact.objects.filter(currency=currency, report__year=year).only(
        "value", "currency", "stored_value"
    ):
        usd = _usd_or_none(amount=impact.value, currency=currency, year=year)
        if usd != impact.stored_value:
            changed += ReportImpact.objects.filter(pk=impact.pk).update(stored_value=usd)
    return changed


def _convert_or_refuse(value: Decimal, unit: str, indicator: Indicator) -> Decimal:
    try:
        return units.convert(value=value, unit=unit, to=indicator.unit)
    except ValidationError as exc:
        raise ValidationError(
            {
                "unit": _(
                    "Figures of this indicator are in %(unit)s, which does not convert to "
                    "%(target)s: its stored unit can only change to one of the same kind."
                )
                % {"unit": unit, "target": indicator.unit}
            }
        ) from exc


def restate_unit(event: IndicatorUnitChanged) -> int:
    """Convert anew every physical figure of indicator ``event.code`` into its stored unit;
    returns the number of rows whose stored value changed. A figure that does not convert to
    the new unit refuses the change (a ``ValidationError`` on ``unit``, which rolls it back):
    a stored unit changes only to one of the same kind while figures exist."""
    indicator = Indicator.objects.get(code=event.code)
    changed = 0
    for case_impact in CaseImpact.objects.filter(indicator=indicator):
        stored = _convert_or_refuse(case_impact.value, case_impact.unit, indicator)
        if stored != case_impact.value_stored:
            changed += CaseImpact.objects.filter(pk=case_impact.pk).update(value_stored=stored)
    for report_impact in ReportImpact.objects.filter(indicator=indicator, currency=""):
        stored = _convert_or_refuse(report_impact.value, report_impact.unit, indicator)
        if stored != report_impact.stored_value:
            changed += ReportImpact.objects.filter(pk=report_impact.pk).update(stored_value=stored)
    return changed
