"""The seam through which the evidence tells the catalogue which exchange rates its items wait
for (the secretariat's list on the rates page), without the catalogue importing the evidence.

The evidence registers its counter at start-up (``knowledge.evidence.wiring``)::

    from knowledge.catalogue.rate_demand import register_rates_waiting
    register_rates_waiting(missing_exchange_rates)

Until then (and in tests that register none) the harmless default says nothing is waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class MissingRate:
    """A rate that items wait for: how many cases and reports of each group need it."""

    currency: str
    year: int
    cases: int
    reports: int

    @property
    def items(self) -> int:
        return self.cases + self.reports


class RatesWaiting(Protocol):
    """``{"submitted": [...], "draft": [...]}``: the rates missing for items in review, and
    for drafts and returned items, most waiting first (raises ``PermissionDenied`` for an actor
    who may not see them)."""

    def __call__(self, *, actor: Any) -> dict[str, list[MissingRate]]: ...


def nothing_waiting(*, actor: Any) -> dict[str, list[MissingRate]]:
    return {"submitted": [], "draft": []}


_provider: RatesWaiting = nothing_waiting


def register_rates_waiting(provider: RatesWaiting) -> None:
    global _provider
    _provider = provider


def rates_waiting(*, actor: Any) -> dict[str, list[MissingRate]]:
    return _provider(actor=actor)
