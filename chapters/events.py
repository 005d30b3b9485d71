"""Events ``chapters`` publishes (through :mod:`recpnet.events`) for the apps above it. Each is
published inside the transaction that made the change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CountryChapterChanged:
    """Country ``country`` (ISO 3166-1 alpha-2) moved from chapter ``old_chapter`` to
    ``new_chapter`` (slugs; ``old_chapter`` is empty for a country new to the network). Its
    figures of every year now count under the new chapter: the chapter's history is restated."""

    country: str
    old_chapter: str
    new_chapter: str
