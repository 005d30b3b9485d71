"""Browser journey of a case: member staff writes and submits it; the coordinator returns it
with a comment; the member sees the comment, fixes and resubmits; the coordinator approves;
the case is in the public library without the enterprise's name."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from playwright.sync_api import expect

from chapters.models import Chapter, Country
from knowledge.models import Indicator
from members.models import Role
from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ENTERPRISE = "Kitumbe Estates Tea Factory Ltd"
TITLE = "Energy efficiency in a tea factory"


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


def _reference_data() -> None:
    """The rows the journey needs from the data migrations, in case an earlier transactional
    test flushed them (serialized rollback does not restore them on every backend); content
    types are recreated with new ids after a flush, so their cache is dropped too."""
    ContentType.objects.clear_cache()
    africa, _ = Chapter.objects.get_or_create(slug="africa", defaults={"name": "Africa"})
    Country.objects.get_or_create(code="KE", defaults={"chapter": africa})
    Indicator.objects.get_or_create(
        code="energy_saved",
        defaults={
            "name": "Energy saved",
            "unit": "MWh/yr",
            "category": "impact",
            "input_units": ["kWh", "MWh", "GWh", "GJ", "TJ"],
        },
    )


def test_write_return_fix_approve_publish(page: Any, live_server: Any) -> None:
    base = live_server.url
    _reference_data()
    member = factories.MemberFactory(slug="kncpc", country=factories.country("KE"))
    staff = factories.MembershipFactory(member=member, role=Role.STAFF).user
    coordinator = factories.CoordinatorFactory(chapter=factories.chapter("africa")).user

    # Member staff writes the case and submits it.
    _log_in(page, live_server, staff)
    page.goto(f"{base}/cases/of/kncpc/new/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_enterprise_name").fill(ENTERPRISE)
    page.locator("#id_sector").fill("C10")
    page.locator("#id_enterprise_size").select_option("medium")
    page.locator("#id_year").fill("2012")
    page.locator("#id_methodology").select_option("cp_assessment")
    page.locator("#id_summary").fill("Withering troughs insulated; boilers retuned.")
    page.locator("#id_impact_energy_saved_value").fill("1200")
    page.locator("#id_impact_energy_saved_unit").select_option("MWh")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Submitted")
    case_url = page.url

    # The coordinator finds it in the queue and returns it with a comment.
    _log_in(page, live_server, coordinator)
    page.goto(f"{base}/cases/review/")
    page.get_by_role("link", name=TITLE).click()
    page.locator("#comment-return").fill("Please give the production output basis.")
    page.get_by_role("button", name="Return with comment").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Returned")

    # The member sees the comment, fixes the case and resubmits.
    _log_in(page, live_server, staff)
    page.goto(f"{base}/cases/of/kncpc/")
    expect(page.get_by_test_id("return-comment")).to_contain_text("production output basis")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("return-comment")).to_contain_text("production output basis")
    page.get_by_role("link", name="Edit").click()
    page.locator("#id_summary").fill(
        "Withering troughs insulated; boilers retuned. Basis: made tea."
    )
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Submitted")

    # The coordinator approves.
    _log_in(page, live_server, coordinator)
    page.goto(case_url)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Approved")

    # A visitor finds it in the public library, without the enterprise's name.
    page.context.clear_cookies()
    page.goto(f"{base}/cases/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_test_id("citation")).to_contain_text(TITLE)
    assert ENTERPRISE not in page.content()
    page.goto(f"{base}/api/v1/cases/")
    assert TITLE in page.content() and ENTERPRISE not in page.content()
