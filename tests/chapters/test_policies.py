"""The chapters rulebook (chapters/policies.py): one table feeds the lists and the object
checks, pages and API answer alike, and assigning a coordinator who is staff of a member in the
chapter is allowed with a conflict-of-interest warning."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import reverse
from rest_framework.test import APIClient

from chapters import policies, services
from chapters.models import Chapter, Coordinator, Country
from tests import factories

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
MODELS: dict[str, type[Model]] = {
    "chapter": Chapter,
    "coordinator": Coordinator,
    "country": Country,
}


def _actor(tenancy: Any, role: str) -> Any:
    return AnonymousUser() if role == "visitor" else getattr(tenancy, role)


def test_every_object_type_of_the_table_is_covered() -> None:
    assert {kind for kind, _action in policies.RULES} == set(MODELS)


def test_the_table_drives_both_the_lists_and_the_object_checks(tenancy: Any) -> None:
    """For every role, object and action: in the filtered list ⇔ the object check passes;
    and refused objects are 404 when unseen, 403 when seen."""
    for role in ROLES:
        actor = _actor(tenancy, role)
        for (kind, action), entry in policies.RULES.items():
            base: QuerySet[Any] = MODELS[kind]._default_manager.all()
            if kind == "country":
                base = base.filter(code__in=["KE", "CO", "FR"])
            listed = set(
                policies.filter_allowed(base, actor, kind, action).values_list("pk", flat=True)
            )
            for obj in base:
                allowed = policies.allows(actor, kind, action, obj)
                assert (obj.pk in listed) == allowed, f"{kind}.{action} as {role} on {obj}"
                if allowed:
                    continue
                seen = entry.seen_via is not None and policies.allows(
                    actor, kind, entry.seen_via, obj
                )
                with pytest.raises(PermissionDenied if seen else Http404):
                    policies.require(actor, kind, action, obj)


def test_only_the_secretariat_changes_chapters(tenancy: Any) -> None:
    africa = factories.chapter("africa")
    changes = [(k, a) for (k, a) in policies.RULES if a != "view"]
    assert changes
    for role in ROLES:
        actor = _actor(tenancy, role)
        obj = {
            "chapter": africa,
            "coordinator": tenancy.coordinator_a.coordinator_assignments.get(),
        }
        for kind, action in changes:
            target = None if action == "create" else obj[kind]
            assert policies.allows(actor, kind, action, target) == (role == "secretariat")


def test_chapter_pages_and_api_list_the_same_chapters(client: Any, tenancy: Any) -> None:
    for role in ROLES:
        page_client, api_client = client.__class__(), APIClient()
        if role != "visitor":
            page_client.force_login(getattr(tenancy, role))
            token_key = factories.api_token(getattr(tenancy, role))
            api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")
        page = page_client.get(reverse("chapters:list"))
        api = api_client.get("/api/v1/chapters/")
        assert page.status_code == api.status_code == 200
        assert [c.slug for c in page.context["chapters"]] == [
            r["slug"] for r in api.json()["results"]
        ]
        assert page.context["can_create"] == (role == "secretariat")


# --- conflict of interest on assignment ---------------------------------------------------------


def test_assigning_staff_of_a_member_in_the_chapter_warns(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.secretariat)
    url = reverse("chapters:coordinator_add", args=["africa"])
    response = client.post(url, {"email": tenancy.staff_a.email}, follow=True)
    assert response.status_code == 200
    assert Coordinator.objects.filter(user=tenancy.staff_a, chapter__slug="africa").exists()
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert any(tenancy.member_a.name in w and "conflict of interest" in w for w in warnings), (
        warnings
    )


def test_assigning_staff_of_a_member_elsewhere_does_not_warn(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.secretariat)
    url = reverse("chapters:coordinator_add", args=["africa"])
    response = client.post(url, {"email": tenancy.staff_b.email}, follow=True)
    assert Coordinator.objects.filter(user=tenancy.staff_b, chapter__slug="africa").exists()
    assert not [m for m in response.context["messages"] if m.level_tag == "warning"]


def test_conflict_warnings_name_every_member_of_the_chapter(tenancy: Any) -> None:
    other = factories.MemberFactory(country=factories.country("GH"))  # also Africa
    factories.MembershipFactory(user=tenancy.staff_a, member=other)
    africa = factories.chapter("africa")
    services.coordinator_assign(
        actor=tenancy.secretariat, chapter=africa, email=tenancy.staff_a.email
    )
    warnings = policies.coordinator_conflict_warnings(user=tenancy.staff_a, chapter_id=africa.pk)
    assert len(warnings) == 2
    assert {tenancy.member_a.name, other.name} == {
        m.name for m in policies.coordinator_conflicts(user=tenancy.staff_a, chapter_id=africa.pk)
    }
    latam = factories.chapter("latin-america-caribbean")
    assert policies.coordinator_conflict_warnings(user=tenancy.staff_a, chapter_id=latam.pk) == []


def test_assigning_in_the_admin_warns_too(client: Any, tenancy: Any) -> None:
    admin = factories.UserFactory(is_staff=True, is_superuser=True, is_secretariat=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:chapters_coordinator_add"),
        {"user": tenancy.staff_a.pk, "chapter": factories.chapter("africa").pk},
        follow=True,
    )
    assert response.status_code == 200
    assert Coordinator.objects.filter(user=tenancy.staff_a).exists()
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert any(tenancy.member_a.name in w for w in warnings), warnings


def _admin_user(*, secretariat: bool) -> Any:
    return factories.UserFactory(is_staff=True, is_superuser=True, is_secretariat=secretariat)


def test_the_admin_writes_through_the_services(client: Any, tenancy: Any) -> None:
    """A Django superuser who is not the secretariat is refused by the rulebook as on the
    portal's pages: the refusal is an error message, and nothing changes."""
    from tests.test_round_trip import form_as_browser

    latam = factories.chapter("latin-america-caribbean")
    client.force_login(_admin_user(secretariat=False))
    url = reverse("admin:chapters_country_change", args=["KE"])
    data = form_as_browser(client.get(url).content.decode(), "chapter")
    data["chapter"] = [str(latam.pk)]
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == [str(policies.CHANGE_CHAPTERS)]
    assert Country.objects.get(code="KE").chapter.slug == "africa"
    # Coordinators: neither assigned nor removed.
    africa = factories.chapter("africa")
    add = client.post(
        reverse("admin:chapters_coordinator_add"),
        {"user": tenancy.outsider.pk, "chapter": africa.pk},
    )
    assert add.status_code == 403
    coordinator = Coordinator.objects.get(user=tenancy.coordinator_a)
    delete = reverse("admin:chapters_coordinator_delete", args=[coordinator.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Coordinator.objects.filter(pk=coordinator.pk).exists()

    # The secretariat: moved through country_assign, removed through coordinator_remove.
    client.force_login(_admin_user(secretariat=True))
    assert client.post(url, data).status_code == 302
    assert Country.objects.get(code="KE").chapter == latam
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Coordinator.objects.filter(pk=coordinator.pk).exists()
