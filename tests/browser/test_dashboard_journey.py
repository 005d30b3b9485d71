"""Browser journey of the statistics: a coordinator reads the chapter dashboard's total, approves
a member's annual report in the review queue, and — with a real Celery worker on Redis doing the
recompute — sees the chapter total change within seconds."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from knowledge.models import Statistic
from members.models import Role
from tests import factories
from tests.knowledge.stats.conftest import make_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

YEAR = 2014


def _log_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _energy_total(page: Any) -> str:
    cell = page.locator('[data-testid="totals"] tr[data-indicator="energy_saved"] td.num').first
    return cell.inner_text().strip()


def _wait_for_stored_total(expected: str, timeout: float = 15) -> None:
    """Setup only: wait until the worker has rolled up the already-approved report."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = Statistic.objects.filter(
            scope="chapter:africa", year=YEAR, indicator="energy_saved"
        ).first()
        if row is not None and row.total == int(expected):
            return
        time.sleep(0.1)
    raise AssertionError(f"the worker did not roll up the setup report to {expected} MWh")


def test_coordinator_approves_and_chapter_total_updates(
    page: Any, live_server: Any, tenancy: Any, celery_worker: Any
) -> None:
    base = live_server.url
    # Already in the statistics: member A's 2014 report (Kenya, Africa), 120 MWh.
    make_report(
        tenancy,
        year=YEAR,
        enterprises_assisted=4,
        impacts=[{"indicator": "energy_saved", "value": "120", "unit": "MWh"}],
    )
    _wait_for_stored_total("120")
    # Waiting for review: a second Kenyan member's 2014 report, 0.08 GWh = 80 MWh.
    other = factories.MemberFactory(
        name="Eco-Industrial Services Nairobi", slug="eis-nairobi", country=factories.country("KE")
    )
    staff = factories.MembershipFactory(member=other, role=Role.STAFF).user
    from knowledge.evidence.services import reports as report_services

    report = report_services.report_create(
        member=other,
        year=YEAR,
        actor=staff,
        activity={"enterprises_assisted": 3},
        impacts=[{"indicator": "energy_saved", "value": "0.08", "unit": "GWh"}],
    )
    report_services.report_submit(report=report, actor=staff)

    # The Africa coordinator is logged in (session cookie: coordinators have an authenticator
    # app, and the log-in form with its second step is covered by the account journey).
    _log_in(page, live_server, tenancy.coordinator_a)
    page.goto(f"{base}/dashboard/")
    expect(page.get_by_role("heading", name="My dashboard")).to_be_visible()

    # The chapter dashboard shows the current total.
    dashboard = f"{base}/statistics/chapters/africa/?year={YEAR}"
    page.goto(dashboard)
    expect(page.get_by_role("heading", name=re.compile("Statistics: Africa"))).to_be_visible()
    assert _energy_total(page) == "120"

    # The report waits in the coordinator's queue; they open it and approve it.
    page.goto(f"{base}/reports/review/")
    page.get_by_role("link", name="Eco-Industrial Services Nairobi").click()
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("status")).to_have_text("Approved")

    # The worker recomputes the chapter's slice: the dashboard's total changes within seconds.
    started = time.monotonic()
    total = None
    while time.monotonic() - started < 15:
        page.goto(dashboard)
        total = _energy_total(page)
        if total != "120":
            break
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    assert total == "200", f"chapter total still {total!r} after {elapsed:.1f} s"
    expect(page.get_by_test_id("as-of")).not_to_contain_text("stale")
