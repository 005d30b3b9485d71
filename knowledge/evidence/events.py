"""Events the evidence publishes (through :mod:`recpnet.events`) for the layers above it."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.evidence.models.review import Reviewable


@dataclass(frozen=True)
class ReviewedItemChanged:
    """``item`` went through a review ``action`` (approve, reopen, …): published inside the
    transition's transaction, with the item as it is after the action."""

    item: Reviewable
    action: str
