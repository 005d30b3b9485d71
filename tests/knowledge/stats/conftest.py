"""Helpers for statistics tests: reports and cases created through the services, approved
through the shared workflow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from knowledge.evidence.services import reports as report_services
from knowledge.models import Case, CaseFigure, CaseImpact, Indicator, ReviewStatus


def committing() -> Any:
    """Run on-commit callbacks (review hooks → rollup task, eager here) in a test transaction."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def make_report(
    t: Any, *, member: Any = None, year: int = 2014, approve: bool = True, **activity: int
) -> Any:
    member = member or t.member_a
    staff = t.staff_a if member == t.member_a else t.staff_b
    impacts = activity.pop("impacts", [])
    report = report_services.report_create(
        member=member, year=year, actor=staff, activity=activity, impacts=impacts
    )
    if approve:
        report = report_services.report_submit(report=report, actor=staff)
        reviewer = t.coordinator_a if member == t.member_a else t.coordinator_b
        with committing():
            report = report_services.report_approve(report=report, actor=reviewer)
    return report


def make_case(
    t: Any,
    *,
    member: Any = None,
    year: int = 2014,
    sector: str = "C10",
    investment: str | None = None,
    savings: str | None = None,
    impacts: dict[str, str] | None = None,
    enterprises: int = 1,
    figures: list[tuple[str, str, str]] | None = None,
    output: tuple[str, str] | None = None,
    options: tuple[int, int] | None = None,
) -> Case:
    """An approved case written straight to the tables (the case library's own services are
    tested by its suite; here only its approved figures matter)."""
    member = member or t.member_a
    case = Case.objects.create(
        member=member,
        title="A case",
        country=member.country,
        sector=sector,
        enterprise_size="small",
        year=year,
        methodology="cp_assessment",
        summary="s",
        investment_amount=investment,
        investment_currency="USD" if investment else "",
        investment_usd=investment,
        annual_savings_amount=savings,
        annual_savings_currency="USD" if savings else "",
        annual_savings_usd=savings,
        enterprises=enterprises,
        status=ReviewStatus.APPROVED,
        output_before=output[0] if output else None,
        output_after=output[1] if output else None,
        options_identified=options[0] if options else None,
        options_implemented=options[1] if options else None,
    )
    for code, value in (impacts or {}).items():
        CaseImpact.objects.create(
            case=case,
            indicator=Indicator.objects.get(code=code),
            value=Decimal(value),
            unit="x",
            value_stored=Decimal(value),
        )
    for kind, before, after in figures or []:
        CaseFigure.objects.create(
            case=case,
            kind=kind,
            unit="x",
            before=before,
            after=after,
            before_stored=before,
            after_stored=after,
        )
    return case


@pytest.fixture
def stats_rows():
    from knowledge.models import Statistic

    def rows() -> list[tuple]:
        return list(
            Statistic.objects.order_by("scope", "year", "indicator").values_list(
                "scope",
                "year",
                "indicator",
                "unit",
                "source",
                "total",
                "n_items",
                "n_enterprises",
                "n_members",
                "median",
                "p25",
                "p75",
            )
        )

    return rows


@pytest.fixture
def eager_tasks():
    """Tasks run in-process for tests that do not start a worker (even with REDIS_URL set)."""
    from recpnet.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = old
