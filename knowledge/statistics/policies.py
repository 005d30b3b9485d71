"""The statistics rulebook: who sees which figures, and the secretariat's list of slices that
fail to recompute.

One table of (object type, action) → rule over the actor's roles, read as in every app's
``policies.py`` (:mod:`recpnet.rulebook`). The figures are public, with small cells suppressed;
the network (the evidence's rule: staff of an active member, any coordinator, the secretariat)
sees every cell.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from knowledge.evidence.policies import NETWORK
from recpnet.roles import roles_for
from recpnet.rulebook import SECRETARIAT, Anyone, Entry, Rulebook

RULES: dict[tuple[str, str], Entry] = {
    ("statistic", "view"): Entry(Anyone()),
    # Every cell, none suppressed (about the actor: the same for every figure).
    ("statistic", "view_all_cells"): Entry(NETWORK),
    # Failing slices: their errors name items and values.
    ("statistic_slice", "view_failures"): Entry(
        SECRETARIAT, refusal=_("The failing statistics are the secretariat's list.")
    ),
}

rulebook = Rulebook(RULES, roles_for=roles_for)

filter_allowed, get, allows, require, authorize = rulebook.verbs()
