"""The chapters rulebook: who may see and change chapters, their countries and coordinators.

One table of (object type, action) → rule over the actor's roles (read through the seam
:func:`recpnet.roles.roles_for`: ``members`` is above ``chapters`` and provides them). Selectors
filter with it, pages and API check one object with it (404 for who may not see it, 403 for who
sees it but may not act), services refuse with it. Nothing else in this app decides access.

Conflict of interest: a coordinator never reviews the items of a member organisation they are
staff of (``knowledge`` enforces it on each review). Assigning such a person is allowed — the
secretariat is told which members they cannot review (:func:`coordinator_conflicts`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from recpnet.roles import roles_for
from recpnet.rulebook import SECRETARIAT, Anyone, Entry, Rulebook

CHANGE_CHAPTERS = _("Only the secretariat may change chapters.")

RULES: dict[tuple[str, str], Entry] = {
    # Chapters, their countries and coordinators are public.
    ("chapter", "view"): Entry(Anyone()),
    ("chapter", "create"): Entry(SECRETARIAT, refusal=CHANGE_CHAPTERS),
    ("chapter", "edit"): Entry(SECRETARIAT, seen_via="view", refusal=CHANGE_CHAPTERS),
    # Move a country into the chapter.
    ("chapter", "assign_country"): Entry(SECRETARIAT, seen_via="view", refusal=CHANGE_CHAPTERS),
    ("chapter", "assign_coordinator"): Entry(SECRETARIAT, seen_via="view", refusal=CHANGE_CHAPTERS),
    ("coordinator", "view"): Entry(Anyone()),
    ("coordinator", "remove"): Entry(SECRETARIAT, seen_via="view", refusal=CHANGE_CHAPTERS),
    ("country", "view"): Entry(Anyone()),
}

rulebook = Rulebook(RULES, roles_for=roles_for)

filter_allowed, get, allows, require, authorize = rulebook.verbs()


def coordinator_conflicts(*, user: Any, chapter_id: int) -> tuple[Any, ...]:
    """The members of the chapter that ``user`` is staff of: as its coordinator they may not
    review those members' items (conflict of interest)."""
    return roles_for(actor=user).members_in_chapter(chapter_id)


def coordinator_conflict_warnings(*, user: Any, chapter_id: int) -> list[str]:
    """What the secretariat is told on assigning ``user`` as coordinator of the chapter."""
    return [
        gettext(
            "%(user)s is staff of %(member)s, a member in this chapter: as coordinator they "
            "cannot review its items (conflict of interest); another coordinator or the "
            "secretariat must."
        )
        % {"user": getattr(user, "email", user), "member": member.name}
        for member in coordinator_conflicts(user=user, chapter_id=chapter_id)
    ]
