"""Events ``members`` publishes (through :mod:`recpnet.events`) for the apps above it. Each is
published inside the transaction that made the change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class MemberTierChanged:
    """A dated tier change of ``member_id`` was recorded (or its history otherwise changed):
    every year from ``effective_on``'s year on may count the member under another tier."""

    member_id: int
    effective_on: dt.date


@dataclass(frozen=True)
class MemberCountryChanged:
    """``member_id`` moved from ``old_country`` to ``new_country`` (ISO 3166-1 alpha-2): its
    annual reports of every year now count under the new country and its chapter."""

    member_id: int
    old_country: str
    new_country: str
