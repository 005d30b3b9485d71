"""The case page and API detail for every role and every state of a case of member A."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledge.models import ReviewStatus
from tests.knowledge.cases.helpers import make_case

pytestmark = pytest.mark.django_db

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
MINE = {"staff_a", "admin_a"}
# Who sees a case of member A (Africa) in each state.
SEES = {
    ("draft", "public"): MINE,
    ("submitted", "public"): MINE | {"coordinator_a", "secretariat"},
    ("returned", "public"): MINE | {"coordinator_a", "secretariat"},
    ("approved", "public"): set(ROLES),
    ("approved", "network"): set(ROLES) - {"visitor", "outsider"},
}


@pytest.mark.parametrize(("status", "visibility"), list(SEES))
@pytest.mark.parametrize("role", ROLES)
def test_case_visibility(client, tenancy, role, status, visibility) -> None:
    case = make_case(tenancy.member_a, status=status, visibility=visibility)
    if role != "visitor":
        client.force_login(getattr(tenancy, role))
    expected = 200 if role in SEES[(status, visibility)] else 404
    page = client.get(reverse("knowledge:case-detail", args=[case.public_id]))
    api = client.get(f"/api/v1/cases/{case.public_id}/")
    assert (page.status_code, api.status_code) == (expected, expected)
    if expected == 200:
        body = page.content.decode()
        assert ("Secret Dairy" in body) == (role not in ("visitor", "outsider"))
        assert ("enterprise_name" in api.json()) == (role not in ("visitor", "outsider"))


def test_member_b_draft_is_404_for_everyone_else(client, tenancy) -> None:
    case = make_case(tenancy.member_b, status=ReviewStatus.DRAFT)
    for role in ROLES:
        if role != "visitor":
            client.force_login(getattr(tenancy, role))
        status = client.get(reverse("knowledge:case-detail", args=[case.public_id])).status_code
        assert status == (200 if role == "staff_b" else 404), role
