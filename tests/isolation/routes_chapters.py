"""Routes of chapters: public list and pages; editing by the secretariat only."""

from __future__ import annotations

from typing import Any

from .routes import Route, everyone

SECRETARIAT_ONLY = {"*": 403, "visitor": 302, "secretariat": 200}
SECRETARIAT_POST = {"*": 403, "visitor": 302, "secretariat": 400}


def _africa(t: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"slug": "africa"}


ROUTES = {
    "chapters:list": Route(expect=everyone(200)),
    "chapters:detail": Route(expect=everyone(200), kwargs=_africa),
    "chapters:create": Route(expect=SECRETARIAT_ONLY),
    "chapters:edit": Route(expect=SECRETARIAT_ONLY, kwargs=_africa),
    "chapters:country_assign": Route(expect=SECRETARIAT_POST, kwargs=_africa, method="post"),
    "chapters:coordinator_add": Route(expect=SECRETARIAT_POST, kwargs=_africa, method="post"),
    "chapters:coordinator_remove": Route(
        expect={"*": 403, "visitor": 302, "secretariat": 302},
        kwargs=lambda t, ctx: {
            "slug": "africa",
            "pk": t.coordinator_a.coordinator_assignments.get().pk,
        },
        method="post",
    ),
    "api-chapters": Route(expect=everyone(200)),
}
