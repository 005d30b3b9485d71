"""The table of expectations for the isolation test: every URL pattern and API route, requested
as every role, with the status each must get.

Each app keeps its rows in ``routes_<app>.py`` (``ROUTES: dict[str, Route]``), keyed by the URL
pattern's name (``namespace:name``). A route that is in the URL configuration but in no table
fails the test, so a new page or endpoint cannot ship without saying who may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = (
    "visitor",
    "outsider",
    "staff_a",
    "admin_a",
    "staff_b",
    "coordinator_a",
    "coordinator_b",
    "secretariat",
)


@dataclass(frozen=True)
class Route:
    """How to request a route and what each role must get.

    ``kwargs`` builds the URL's arguments from the tenancy fixture (objects of member A, in
    chapter A, unless a row says otherwise); ``expect`` maps every role to a status code
    (``"*"`` sets the default for roles not named). ``setup`` may create the objects first and
    return extra context for ``kwargs``.
    """

    expect: dict[str, int]
    kwargs: Callable[[Any, dict[str, Any]], dict[str, Any]] = lambda t, ctx: {}
    setup: Callable[[Any], dict[str, Any]] = lambda t: {}
    method: str = "get"
    data: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None
    query: str = ""
    note: str = ""
    extra_headers: dict[str, str] = field(default_factory=dict)

    def status_for(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        return self.expect["*"]


def everyone(status: int) -> dict[str, int]:
    return {"*": status}


def logged_in(status: int, *, visitor: int = 302) -> dict[str, int]:
    """Any logged-in user gets ``status``; a visitor is sent to log in (or ``visitor``)."""
    return {"*": status, "visitor": visitor}
