"""The one place where units and currencies are converted.

Physical units convert with pint. The accepted unit symbols are an explicit table rather than
pint's own parser, because pint reads some of our symbols differently (``kt`` is a knot there,
not a kilotonne) and because GHG quantities (tCO2e) must never be mixed with plain mass.
Money converts to USD with the secretariat's exchange rate for the item's year.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import pint
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from recpnet import bounds

# Stored unit (per indicator) → pint expression of that unit.
# Accepted input symbol → pint expression of one such unit.
_UNIT_EXPRESSIONS: dict[str, str] = {
    # energy
    "kWh": "1 kilowatt_hour",
    "MWh": "1 megawatt_hour",
    "GWh": "1 gigawatt_hour",
    "GJ": "1 gigajoule",
    "TJ": "1 terajoule",
    # volume
    "L": "1 liter",
    "m3": "1 meter**3",
    "ML": "1 megaliter",
    "GL": "1 gigaliter",
    # mass
    "kg": "1 kilogram",
    "t": "1 metric_ton",
    "kt": "1000 metric_ton",
    # greenhouse gases, a dimension of their own
    "kgCO2e": "0.001 tco2e",
    "tCO2e": "1 tco2e",
    "ktCO2e": "1000 tco2e",
}

# The stored unit of each physical indicator's unit label.
STORED_SYMBOL: dict[str, str] = {
    "MWh/yr": "MWh",
    "m3/yr": "m3",
    "t/yr": "t",
    "tCO2e/yr": "tCO2e",
}

UNIT_SYMBOLS: tuple[str, ...] = tuple(_UNIT_EXPRESSIONS)

_SIX_PLACES = Decimal("0.000001")
_CENTS = Decimal("0.01")


@cache
def _registry() -> pint.UnitRegistry:
    ureg: pint.UnitRegistry = pint.UnitRegistry()
    ureg.define("tco2e = [greenhouse_gas]")
    return ureg


def _quantity(symbol: str) -> pint.Quantity:
    return _registry()(_UNIT_EXPRESSIONS[symbol])


def dimension_of(symbol: str) -> str:
    return str(_quantity(symbol).dimensionality)


def convert(
    *, value: Decimal | float | int | str, unit: str, to: str, field: str = "value"
) -> Decimal:
    """Convert ``value`` in ``unit`` to the stored unit label ``to`` (e.g. ``"MWh/yr"``).

    Raises ``ValidationError({field: …})`` for an unknown unit or one of the wrong dimension.
    """
    # The limit in the entered unit (10^12 of the stored unit) is checked first: it is the
    # one that names the unit; the entered-value limit only guards the column after it.
    amount = parse_decimal(value, field=field, maximum=None)
    target = STORED_SYMBOL.get(to, to)
    if unit not in _UNIT_EXPRESSIONS:
        raise ValidationError(
            {
                field: _("Unknown unit “%(unit)s”. Use one of: %(units)s.")
                % {"unit": unit, "units": ", ".join(compatible_units(to))}
            }
        )
    if target not in _UNIT_EXPRESSIONS:
        raise ValidationError({field: _("This indicator has no physical unit.")})
    source_q, target_q = _quantity(unit), _quantity(target)
    if source_q.dimensionality != target_q.dimensionality:
        raise ValidationError(
            {
                field: _(
                    "“%(unit)s” is not a unit of the same kind as %(target)s; "
                    "use one of: %(units)s."
                )
                % {"unit": unit, "target": to, "units": ", ".join(compatible_units(to))}
            }
        )
    factor = _factor(unit, target)
    product = amount * factor  # checked before quantize, which fails past 28 digits
    bounds.check_stored(product, field=field, unit=to, factor=factor)
    parse_decimal(amount, field=field)  # and the entered value's own limit
    return product.quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)


@cache
def _factor(unit: str, target: str) -> Decimal:
    """How many ``target`` one ``unit`` is, to 12 significant digits: pint computes in binary
    floating point (1 GL is 999999.9999999999 m3 there), and a factor must be exact for the
    round trip and the bounds to hold (10^6 GL is exactly the 10^12 m3 limit)."""
    magnitude = (_quantity(unit) / _quantity(target)).to_base_units().magnitude
    return Decimal(format(magnitude, ".12g"))


def compatible_units(stored: str) -> list[str]:
    """The input symbols that convert to the stored unit label ``stored``."""
    target = STORED_SYMBOL.get(stored, stored)
    if target not in _UNIT_EXPRESSIONS:
        return []
    dim = _quantity(target).dimensionality
    return [s for s in _UNIT_EXPRESSIONS if _quantity(s).dimensionality == dim]


def parse_decimal(
    value: Decimal | float | int | str,
    *,
    field: str,
    places: int = bounds.VALUE_PLACES,
    maximum: Decimal | None = bounds.ENTERED_MAX,
) -> Decimal:
    """A figure as entered: see :func:`recpnet.bounds.parse_decimal` (non-negative, bounded,
    at most ``places`` decimal places, never rounded)."""
    return bounds.parse_decimal(value, field=field, places=places, maximum=maximum)


def to_usd(
    *, amount: Decimal | float | int | str, currency: str, year: int, field: str = "amount"
) -> Decimal:
    """Convert a money amount to USD at the secretariat's rate for ``year``.

    Raises ``ValidationError({field: …})`` when there is no rate for that currency and year.
    """
    from knowledge.catalogue.models import ExchangeRate

    value = parse_decimal(amount, field=field, places=bounds.MONEY_PLACES)
    code = (currency or "").upper()
    if code == "USD":
        bounds.check_stored(value, field=field, unit="USD")
        return value.quantize(_CENTS, rounding=ROUND_HALF_UP)
    rate = (
        ExchangeRate.objects.filter(currency=code, year=year)
        .values_list("usd_per_unit", flat=True)
        .first()
    )
    if rate is None:
        raise MissingRate(currency=code, year=year, field=field)
    usd = (value * rate).quantize(_CENTS, rounding=ROUND_HALF_UP)
    bounds.check_stored(usd, field=field, unit="USD", factor=rate)
    return usd


class MissingRate(ValidationError):
    """No exchange rate for ``currency`` in ``year``: a ``ValidationError`` on ``field`` that
    also says which rate is missing, so callers can report each missing rate once however many
    amounts need it, and let a draft be saved with a warning instead."""

    def __init__(self, *, currency: str, year: int, field: str) -> None:
        super().__init__({field: missing_rate_message(currency=currency, year=year)})
        self.currency = currency
        self.year = year


def missing_rate_message(*, currency: str, year: int) -> str:
    """The error that blocks submitting an item whose money has no rate."""
    return _(
        "No exchange rate for %(currency)s in %(year)s: "
        "ask the secretariat to add one, "
        "or enter the amount in USD."
    ) % {"currency": currency or "?", "year": year}


def missing_rates_warning(missing: Iterable[tuple[str, int]]) -> str | None:
    """One warning for a draft saved with amounts that have no rate yet (``None`` when every
    amount has one): said at save time, so nobody learns it only when submitting."""
    pairs = sorted(set(missing))
    if not pairs:
        return None
    return _(
        "Saved as a draft, but there is no exchange rate yet for %(rates)s: the USD value "
        "stays empty, and the draft cannot be submitted until the secretariat adds the rate "
        "(or the amount is entered in USD)."
    ) % {"rates": ", ".join(f"{currency} {year}" for currency, year in pairs)}
