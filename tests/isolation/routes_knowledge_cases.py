"""Case library routes (knowledge/evidence/urls.py and api_urls.py).

Objects are member A's (Kenya, Africa). Single-object rows use the most private state that
route serves (a draft for pages members edit, a submitted case for review actions); the other
states are walked role by role in tests/knowledge/cases/test_access.py.
"""

from __future__ import annotations

from typing import Any

from knowledge.models import ReviewStatus
from tests.knowledge.cases.helpers import make_attachment, make_case, make_import_job

from .routes import Route, everyone

MEMBER_A_ONLY = {"*": 404, "visitor": 302, "staff_a": 200, "admin_a": 200}
# Writing for member A: the member is the object, and it is active, so everyone sees it: who
# does not write for it gets 403 (as from POST /api/v1/cases/ with "member": "kncpc").
WRITES_FOR_A = {"*": 403, "visitor": 302, "staff_a": 200, "admin_a": 200}
REVIEWERS_A = {
    "*": 403,
    "visitor": 302,
    "coordinator_a": 200,
    "coordinator_b": 200,
    "secretariat": 200,
}


def _draft(t: Any) -> dict[str, Any]:
    return {"case": make_case(t.member_a)}


def _submitted(t: Any) -> dict[str, Any]:
    return {"case": make_case(t.member_a, status=ReviewStatus.SUBMITTED)}


def _approved_network(t: Any) -> dict[str, Any]:
    return {"case": make_case(t.member_a, status=ReviewStatus.APPROVED, visibility="network")}


def _draft_attachment(t: Any) -> dict[str, Any]:
    case = make_case(t.member_a)
    return {"case": case, "attachment": make_attachment(case, t.staff_a)}


def _job(t: Any) -> dict[str, Any]:
    return {"job": make_import_job(t.member_a, t.staff_a)}


def _page(t: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"public_id": ctx["case"].public_id}


def _api(t: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(ctx["case"].public_id)}


def _slug_a(t: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"slug": t.member_a.slug}


def _comment(t: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"comment": "Please give the baseline."}


ROUTES = {
    "knowledge:case-library": Route(expect=everyone(200)),
    "knowledge:case-export": Route(expect=everyone(200), kwargs=lambda t, c: {"fmt": "csv"}),
    "knowledge:case-queue": Route(expect=REVIEWERS_A, note="coordinators and secretariat"),
    "knowledge:case-history": Route(expect={"*": 403, "visitor": 302, "secretariat": 200}),
    "knowledge:case-import-help": Route(expect=everyone(200)),
    "knowledge:case-import-template": Route(
        expect=everyone(200), kwargs=lambda t, c: {"fmt": "xlsx"}
    ),
    "knowledge:case-import-job": Route(
        expect=MEMBER_A_ONLY, setup=_job, kwargs=lambda t, c: {"public_id": c["job"].public_id}
    ),
    "knowledge:case-import-status": Route(
        expect=MEMBER_A_ONLY, setup=_job, kwargs=lambda t, c: {"public_id": c["job"].public_id}
    ),
    "knowledge:member-cases": Route(
        expect={**MEMBER_A_ONLY, "secretariat": 200}, kwargs=_slug_a, note="secretariat: no drafts"
    ),
    "knowledge:case-new": Route(expect=WRITES_FOR_A, kwargs=_slug_a),
    "knowledge:case-import": Route(expect=WRITES_FOR_A, kwargs=_slug_a),
    "knowledge:case-detail": Route(
        expect={"*": 404, "staff_a": 200, "admin_a": 200},
        setup=_draft,
        kwargs=_page,
        note="a draft: its member's staff only",
    ),
    "knowledge:case-edit": Route(expect=MEMBER_A_ONLY, setup=_draft, kwargs=_page),
    "knowledge:case-action": Route(
        expect={
            "*": 404,
            "visitor": 302,
            "staff_a": 403,
            "admin_a": 403,
            "coordinator_a": 302,
            "secretariat": 302,
        },
        setup=_submitted,
        kwargs=lambda t, c: {"public_id": c["case"].public_id, "action": "approve"},
        method="post",
        note="approve a submitted case: reviewers redirect back to the case",
    ),
    "knowledge:case-attach": Route(
        expect={"*": 404, "visitor": 302, "staff_a": 302, "admin_a": 302},
        setup=_draft,
        kwargs=_page,
        method="post",
    ),
    "knowledge:case-attachment": Route(
        expect={"*": 404, "staff_a": 200, "admin_a": 200},
        setup=_draft_attachment,
        kwargs=lambda t, c: {
            "public_id": c["case"].public_id,
            "attachment_id": c["attachment"].public_id,
        },
    ),
    "knowledge:case-attachment-delete": Route(
        expect={"*": 404, "visitor": 302, "staff_a": 302, "admin_a": 302},
        setup=_draft_attachment,
        kwargs=lambda t, c: {
            "public_id": c["case"].public_id,
            "attachment_id": c["attachment"].public_id,
        },
        method="post",
    ),
    "knowledge:case-attachment-visibility": Route(
        expect={"*": 404, "visitor": 302, "staff_a": 302, "admin_a": 302},
        setup=_draft_attachment,
        kwargs=lambda t, c: {
            "public_id": c["case"].public_id,
            "attachment_id": c["attachment"].public_id,
        },
        method="post",
        data=lambda t, c: {"visibility": "network"},
        note="the uploader's side redirects back to the case",
    ),
    "knowledge:catalogue": Route(expect=everyone(200)),
    "api-indicator-list": Route(expect=everyone(200)),
    "api-case-list": Route(expect=everyone(200)),
    "api-case-detail": Route(
        expect={"*": 404, "staff_a": 200, "admin_a": 200}, setup=_draft, kwargs=_api
    ),
    "api-case-submit": Route(
        expect={"*": 404, "visitor": 401, "staff_a": 200, "admin_a": 200},
        setup=_draft,
        kwargs=_api,
        method="post",
    ),
    "api-case-approve": Route(
        expect={
            "*": 404,
            "visitor": 401,
            "staff_a": 403,
            "admin_a": 403,
            "coordinator_a": 200,
            "secretariat": 200,
        },
        setup=_submitted,
        kwargs=_api,
        method="post",
    ),
    "api-case-return": Route(
        expect={
            "*": 404,
            "visitor": 401,
            "staff_a": 403,
            "admin_a": 403,
            "coordinator_a": 200,
            "secretariat": 200,
        },
        setup=_submitted,
        kwargs=_api,
        method="post",
        data=_comment,
    ),
    "api-case-reopen": Route(
        expect={"*": 403, "visitor": 401, "outsider": 404, "secretariat": 200},
        setup=_approved_network,
        kwargs=_api,
        method="post",
        data=_comment,
        note="network-only approved case: the outsider (no active member) cannot see it",
    ),
}
