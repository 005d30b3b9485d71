"""Annual reports, the report workspace, review queue, dashboards and statistics API."""

from __future__ import annotations

from typing import Any

from .routes import Route, everyone


def _submitted(t: Any) -> dict[str, Any]:
    from knowledge.evidence.services import reports

    report = reports.report_create(member=t.member_a, year=2014, actor=t.staff_a)
    reports.report_submit(report=report, actor=t.staff_a)
    return {"report": report}


def _draft(t: Any) -> dict[str, Any]:
    from knowledge.evidence.services import reports

    return {"report": reports.report_create(member=t.member_a, year=2014, actor=t.staff_a)}


WORKSPACE = {"*": 404, "visitor": 302, "staff_a": 200, "admin_a": 200, "secretariat": 200}
# A submitted report of member A: its staff, chapter A's coordinator and the secretariat.
SEES_SUBMITTED = {
    "*": 404,
    "staff_a": 200,
    "admin_a": 200,
    "coordinator_a": 200,
    "secretariat": 200,
}
member_a = lambda t, ctx: {"slug": t.member_a.slug}  # noqa: E731
report_a = lambda t, ctx: {"slug": t.member_a.slug, "year": 2014}  # noqa: E731
report_pk = lambda t, ctx: {"pk": ctx["report"].pk}  # noqa: E731

ROUTES = {
    "knowledge:stats-global": Route(expect=everyone(200)),
    "knowledge:stats-chapter": Route(expect=everyone(200), kwargs=lambda t, c: {"slug": "africa"}),
    "knowledge:stats-country": Route(expect=everyone(200), kwargs=lambda t, c: {"code": "KE"}),
    "knowledge:stats-sector": Route(expect=everyone(200), kwargs=lambda t, c: {"section": "C"}),
    "knowledge:stats-tier": Route(expect=everyone(200), kwargs=lambda t, c: {"tier": "observer"}),
    "knowledge:stats-items": Route(
        expect=everyone(200), kwargs=lambda t, c: {"scope": "chapter:africa", "year": 2014}
    ),
    "knowledge:stats-export": Route(expect=everyone(200), kwargs=lambda t, c: {"fmt": "csv"}),
    "knowledge:stats-failures": Route(
        expect={"*": 403, "visitor": 302, "secretariat": 200},
        note="the secretariat's list of failing slices (errors name items and values)",
    ),
    "knowledge:report-workspace": Route(expect=WORKSPACE, kwargs=member_a),
    "knowledge:report-new": Route(
        expect={"*": 403, "visitor": 302, "staff_a": 200, "admin_a": 200},
        kwargs=member_a,
        note="member A is active, so everyone sees it: who does not write its reports gets "
        "403 (as from POST /api/v1/reports/)",
    ),
    "knowledge:report-detail": Route(
        expect={**SEES_SUBMITTED, "visitor": 404}, kwargs=report_a, setup=_submitted
    ),
    "knowledge:report-edit": Route(
        expect={"*": 404, "visitor": 302, "staff_a": 200, "admin_a": 200},
        kwargs=report_a,
        setup=_draft,
    ),
    "knowledge:report-action": Route(
        expect={
            "*": 404,
            "visitor": 302,
            "staff_a": 403,
            "admin_a": 403,
            "coordinator_a": 302,
            "secretariat": 302,
        },
        kwargs=lambda t, c: {"slug": t.member_a.slug, "year": 2014, "action": "approve"},
        setup=_submitted,
        method="post",
        note="approving: the chapter coordinator and secretariat (302 back to the page)",
    ),
    "knowledge:report-queue": Route(
        note="no object: who reviews nothing gets 403, as on /cases/review/",
        expect={
            "*": 403,
            "visitor": 302,
            "coordinator_a": 200,
            "coordinator_b": 200,
            "secretariat": 200,
        },
    ),
    "api-report-list": Route(expect=everyone(200)),
    "api-report-detail": Route(expect={**SEES_SUBMITTED}, kwargs=report_pk, setup=_submitted),
    "api-report-submit": Route(
        expect={"*": 404, "visitor": 401, "staff_a": 200, "admin_a": 200},
        kwargs=report_pk,
        setup=_draft,
        method="post",
    ),
    "api-report-approve": Route(
        expect={**SEES_SUBMITTED, "visitor": 401, "staff_a": 403, "admin_a": 403},
        kwargs=report_pk,
        setup=_submitted,
        method="post",
    ),
    "api-report-return": Route(
        expect={**SEES_SUBMITTED, "visitor": 401, "staff_a": 403, "admin_a": 403},
        kwargs=report_pk,
        setup=_submitted,
        method="post",
        data=lambda t, c: {"comment": "Please check the energy figure"},
    ),
    "api-report-reopen": Route(
        expect={
            **SEES_SUBMITTED,
            "visitor": 401,
            "staff_a": 403,
            "admin_a": 403,
            "coordinator_a": 403,
            "secretariat": 409,
        },
        kwargs=report_pk,
        setup=_submitted,
        method="post",
        data=lambda t, c: {"comment": "Reopen"},
        note="only the secretariat reopens (others 403); a submitted report cannot (409)",
    ),
    "api-statistics": Route(expect=everyone(200), query="?scope=global"),
}
