"""Expertise themes of members: the same codes the case library uses (DESIGN.md, "themes")."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

THEMES: list[tuple[str, Any]] = [
    ("energy_efficiency", _("Energy efficiency")),
    ("water", _("Water")),
    ("materials", _("Materials")),
    ("chemicals", _("Chemicals")),
    ("waste", _("Waste")),
    ("low_carbon", _("Low carbon")),
    ("eco_industrial_parks", _("Eco-industrial parks")),
    ("sustainable_tourism", _("Sustainable tourism")),
    ("sustainable_products", _("Sustainable products")),
    ("policy", _("Policy")),
    ("finance", _("Finance")),
]
THEME_CODES = frozenset(code for code, _label in THEMES)
THEME_LABELS = dict(THEMES)
