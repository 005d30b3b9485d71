"""Helpers for the case-library tests (and the isolation table)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from knowledge.evidence.services.cases import case_refresh_search_vector
from knowledge.models import Case, CaseAttachment, CaseImportJob, ExchangeRate, ReviewStatus
from members.models import Member

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_case(member: Member, *, status: str = ReviewStatus.DRAFT, **extra: Any) -> Case:
    fields: dict[str, Any] = {
        "member": member,
        "title": "Steam system optimisation in a dairy",
        "enterprise_name": "Secret Dairy Ltd",
        "country": member.country,
        "sector": "C10",
        "enterprise_size": "medium",
        "year": 2014,
        "themes": ["energy_efficiency"],
        "methodology": "cp_assessment",
        "summary": "Condensate recovery and boiler tuning cut fuel use.",
        "status": status,
    }
    fields.update(extra)
    if status != ReviewStatus.DRAFT:
        fields.setdefault("submitted_at", timezone.now())
    if status == ReviewStatus.APPROVED:
        fields.setdefault("approved_at", timezone.now())
    case = Case.objects.create(**fields)
    case_refresh_search_vector(case=case)
    return case


def make_attachment(case: Case, user: Any) -> CaseAttachment:
    attachment = CaseAttachment(
        case=case,
        filename="report.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=user,
    )
    attachment.file.save("upload", ContentFile(PDF), save=False)
    attachment.save()
    return attachment


def make_import_job(member: Member, user: Any) -> CaseImportJob:
    return CaseImportJob.objects.create(
        member=member, created_by=user, filename="cases.csv", content=b"", state="done"
    )


def eur_2014() -> ExchangeRate:
    return ExchangeRate.objects.create(currency="EUR", year=2014, usd_per_unit=Decimal("1.3285"))
