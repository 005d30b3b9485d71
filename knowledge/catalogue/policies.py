"""The catalogue rulebook: indicators and exchange rates are public data (the figures they
produce are shown to everyone); the secretariat keeps them and sees which rates items wait for.

One table of (object type, action) → rule over the actor's roles, read as in every app's
``policies.py`` (:mod:`recpnet.rulebook`): selectors filter with it, pages and API check with it
(404 for who may not see, 403 for who sees but may not act), services refuse with it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from recpnet.roles import roles_for
from recpnet.rulebook import SECRETARIAT, Anyone, Entry, Rulebook

KEEP_RATES = _("Only the secretariat keeps exchange rates.")
KEEP_INDICATORS = _("Only the secretariat keeps the indicator catalogue.")

RULES: dict[tuple[str, str], Entry] = {
    ("indicator", "view"): Entry(Anyone()),
    ("indicator", "create"): Entry(SECRETARIAT, refusal=KEEP_INDICATORS),
    # Change (and, in the services' ``*_save``, add or change).
    ("indicator", "edit"): Entry(SECRETARIAT, seen_via="view", refusal=KEEP_INDICATORS),
    ("exchange_rate", "view"): Entry(Anyone()),
    ("exchange_rate", "edit"): Entry(SECRETARIAT, seen_via="view", refusal=KEEP_RATES),
    ("exchange_rate", "delete"): Entry(SECRETARIAT, seen_via="view", refusal=KEEP_RATES),
    # The rates that items are waiting for (counts of other tenants' drafts among them).
    ("exchange_rate", "view_waiting"): Entry(
        SECRETARIAT, refusal=_("The rates items wait for are the secretariat's list.")
    ),
}

rulebook = Rulebook(RULES, roles_for=roles_for)

filter_allowed, get, allows, require, authorize = rulebook.verbs()
