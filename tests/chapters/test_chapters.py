"""Chapters: public pages, the secretariat's editing (chapters, countries, coordinators)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from chapters import services
from chapters.models import Chapter, Coordinator, Country

pytestmark = pytest.mark.django_db


def test_default_chapters_and_every_member_country_mapped(db: None) -> None:
    assert Chapter.objects.count() == 5
    assert Country.objects.get(code="KE").chapter.slug == "africa"
    assert Country.objects.count() >= 249


def test_chapter_create_and_bad_input(tenancy: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.chapter_create(actor=tenancy.coordinator_a, slug="x", name="X")
    chapter = services.chapter_create(actor=tenancy.secretariat, slug="pacific", name="Pacific")
    cases: tuple[tuple[dict[str, Any], str], ...] = (
        ({"slug": "pacific", "name": "Other"}, "slug"),
        ({"slug": "other", "name": "africa"}, "name"),
        ({"slug": "new", "name": "New"}, "slug"),
    )
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.chapter_create(actor=tenancy.secretariat, **kwargs)
        assert field in exc.value.message_dict
    assert Chapter.objects.count() == 6
    services.country_assign(actor=tenancy.secretariat, code="fj", chapter=chapter)
    assert Country.objects.get(code="FJ").chapter == chapter
    with pytest.raises(ValidationError) as exc:
        services.country_assign(actor=tenancy.secretariat, code="QQ", chapter=chapter)
    assert "country" in exc.value.message_dict


def test_coordinators(tenancy: Any) -> None:
    africa = Chapter.objects.get(slug="africa")
    with pytest.raises(ValidationError) as exc:
        services.coordinator_assign(actor=tenancy.secretariat, chapter=africa, email="nobody@x.org")
    assert "email" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.coordinator_assign(
            actor=tenancy.secretariat, chapter=africa, email=tenancy.coordinator_a.email
        )
    coordinator = services.coordinator_assign(
        actor=tenancy.secretariat, chapter=africa, email=tenancy.outsider.email.upper()
    )
    services.coordinator_remove(actor=tenancy.secretariat, coordinator=coordinator)
    assert not Coordinator.objects.filter(user=tenancy.outsider).exists()


def test_edit_pages(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.secretariat)
    url = reverse("chapters:edit", args=["africa"])
    response = client.post(
        url, {"name": "Arab States (Middle East and North Africa)", "position": 0}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert client.post(url, {"name": "Africa Chapter", "position": 0}).status_code == 302
    assert Chapter.objects.get(slug="africa").name == "Africa Chapter"
    response = client.post(reverse("chapters:country_assign", args=["africa"]), {"country": "QQ"})
    assert response.status_code == 400
    response = client.post(reverse("chapters:country_assign", args=["africa"]), {"country": "EG"})
    assert response.status_code == 302
    assert Country.objects.get(code="EG").chapter.slug == "africa"
    detail = client.get(reverse("chapters:detail", args=["africa"])).content.decode()
    assert "Egypt" in detail
