"""Full-text search of the library on PostgreSQL (GIN-indexed search vector)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from knowledge.evidence.services import cases as services
from knowledge.models import Case, ReviewStatus
from tests.knowledge.cases.helpers import make_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_full_text_finds_a_case_by_a_word_of_its_summary(client, tenancy) -> None:
    case = services.case_create(
        actor=tenancy.staff_a,
        member=tenancy.member_a,
        fields={
            "title": "Tea factory retrofit",
            "country": "KE",
            "sector": "C10",
            "enterprise_size": "medium",
            "year": 2012,
            "methodology": "cp_assessment",
            "summary": "Withering troughs were insulated and the boilers retuned.",
        },
    )
    services.case_submit(actor=tenancy.staff_a, case=case)
    services.case_approve(actor=tenancy.coordinator_a, case=case)
    make_case(tenancy.member_a, status=ReviewStatus.APPROVED, title="Other")
    url = reverse("knowledge:case-library")
    # Stemmed: "insulating" matches "insulated".
    assert [c.title for c in client.get(url + "?q=insulating").context["page"]] == [
        "Tea factory retrofit"
    ]
    assert [c["title"] for c in client.get("/api/v1/cases/?q=withering").json()["results"]] == [
        "Tea factory retrofit"
    ]
    assert Case.objects.filter(search_vector__isnull=True).count() == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'knowledge_case_search_gin'"
        )
        assert "gin" in cursor.fetchone()[0].lower()
