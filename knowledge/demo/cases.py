"""Demo data of the case library: the demo's exchange rates and the seed's real cases,
attributed to the member (NCPC first) of each case's ``member_country`` and approved through
the workflow.

Idempotent: a case already loaded for that member with the same title is left alone, and a
rate already there keeps its value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from knowledge.catalogue.services import exchange_rate_seed
from knowledge.demo.data import CASES, EXCHANGE_RATE_SOURCE, EXCHANGE_RATES
from knowledge.evidence.models.review import ReviewAction
from knowledge.evidence.services.cases import (
    case_approve,
    case_build,
    case_check_submittable,
    case_save_draft,
)
from knowledge.models import Case, ReviewStatus, Transition
from members.models import Member, OrganisationType
from recpnet.models import User

DEMO_REVIEWER = "demo-reviewer@recpnet.example.org"
_OLD_RATE_SOURCE = "Seed document"


def _reviewer() -> User:
    """The secretariat account that stands in as reviewer for the seed's cases (no password:
    it cannot log in)."""
    user = User.objects.filter(email=DEMO_REVIEWER).first()
    if user is None:
        user = User.objects.create_user(
            DEMO_REVIEWER, None, name="RECPnet secretariat (demo data)", is_secretariat=True
        )
    return user


def _member_for(country: str) -> Member | None:
    members = Member.objects.filter(country_id=country).order_by("slug")
    return members.filter(organisation_type=OrganisationType.NCPC).first() or members.first()


def load_cases_demo(*, stdout: Any = None) -> dict[str, int]:
    loaded = skipped = 0
    for currency, year, rate in EXCHANGE_RATES:
        existing, created = exchange_rate_seed(
            currency=currency,
            year=year,
            usd_per_unit=Decimal(str(rate)),
            source=EXCHANGE_RATE_SOURCE,
        )
        if not created and existing.source == _OLD_RATE_SOURCE:
            # Earlier loads claimed the rate came from the seed document, which has no rates.
            existing.source = EXCHANGE_RATE_SOURCE
            existing.save(update_fields=["source"])
    reviewer = _reviewer()
    for seed in CASES:
        member = _member_for(seed["member_country"])
        if member is None:
            skipped += 1
            continue
        if Case.objects.filter(member=member, title=seed["title"]).exists():
            continue
        _load_one(seed, member, reviewer)
        loaded += 1
    if stdout is not None:
        stdout.write(f"Cases: {loaded} loaded, {skipped} without a member of their country.\n")
    return {"loaded": loaded, "skipped": skipped}


@transaction.atomic
def _load_one(seed: Any, member: Member, reviewer: User) -> Case:
    fields: dict[str, Any] = {
        name: seed[name]
        for name in (
            "title",
            "enterprise_name",
            "country",
            "sector",
            "enterprise_size",
            "year",
            "themes",
            "methodology",
            "summary",
            "options_identified",
            "options_implemented",
            "enterprises",
        )
    }
    for prefix in ("investment", "annual_savings"):
        money = seed[prefix]
        if money is not None:
            fields[f"{prefix}_amount"] = Decimal(str(money[0]))
            fields[f"{prefix}_currency"] = money[1]
    impacts = [{"indicator": c, "value": str(v), "unit": u} for c, v, u in seed["impacts"]]
    draft = case_build(member=member, fields=fields, impacts=impacts, figures=[])
    case = draft.case
    case.created_by = reviewer
    case.status = ReviewStatus.SUBMITTED
    case.submitted_at = timezone.make_aware(dt.datetime(seed["year"] + 1, 1, 15))
    case_save_draft(draft=draft)
    case_check_submittable(case)
    # Not ``review.act``: the member's staff did not submit these (only they may, and the demo
    # members may have none), and the submission is dated after the case, not today, and
    # emails nobody. It is recorded as the secretariat's loading of the source document;
    # the approval then goes through the workflow (``review.act``).
    Transition.objects.create(
        content_type=ContentType.objects.get_for_model(Case),
        object_id=case.pk,
        action=ReviewAction.SUBMIT,
        from_status=ReviewStatus.DRAFT,
        to_status=ReviewStatus.SUBMITTED,
        actor=reviewer,
        comment="Loaded from the source document: " + seed["source"][:500],
    )
    return case_approve(actor=reviewer, case=case, comment="Figures as published in the source.")
