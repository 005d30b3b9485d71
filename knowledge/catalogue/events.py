"""Events the catalogue publishes (through :mod:`recpnet.events`) for the layers above it. Each
is published inside the transaction that made the change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExchangeRateChanged:
    """The rate of ``currency`` for ``year`` was set, changed or removed: money figures of that
    year in that currency are converted to USD anew."""

    currency: str
    year: int


@dataclass(frozen=True)
class IndicatorUnitChanged:
    """Indicator ``code``'s stored unit (or its conversion) changed: its figures are restated."""

    code: str
