"""Browser journey: an organisation applies, its chapter coordinator recommends, the
secretariat admits it; the new observer appears in the directory and in this year's growth."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


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


def test_apply_recommend_admit(page: Any, live_server: Any) -> None:
    applicant = factories.UserFactory(email="director@rwanda-cpc.example.org")
    coordinator = factories.CoordinatorFactory(chapter=factories.chapter("africa")).user
    secretariat = factories.UserFactory(is_secretariat=True)
    name = "Rwanda Resource Efficient and Cleaner Production Centre"

    # 1. The organisation applies.
    _log_in(page, live_server, applicant)
    page.goto(f"{live_server.url}/apply/")
    page.get_by_label("Organisation name").fill(name)
    page.get_by_label("Country").select_option("RW")
    page.get_by_label("Organisation type").select_option("ncpc")
    page.get_by_label("Profile of the organisation").fill("RECP services for Rwandan industry.")
    page.get_by_label("Energy efficiency").check()
    page.get_by_label("RECP track record").fill("85 CP assessments since 2010.")
    page.get_by_label("Contact email").select_option(applicant.email)
    page.get_by_label("We accept the RECPnet Charter").check()
    page.get_by_role("button", name="Submit application").click()
    state = page.get_by_test_id("application-state")
    assert "awaiting the chapter coordinator" in state.inner_text()
    application_url = page.url

    # 2. The coordinator of the Africa chapter recommends it.
    _log_in(page, live_server, coordinator)
    page.goto(application_url)
    page.get_by_label("Recommend admission").check()
    page.get_by_label("Comment").fill("Active centre with a solid track record.")
    page.get_by_role("button", name="Record recommendation").click()
    assert "Recommended" in page.get_by_test_id("application-state").inner_text()

    # 3. The secretariat admits it as an observer.
    _log_in(page, live_server, secretariat)
    page.goto(application_url)
    page.get_by_label("Admit as observer member").check()
    page.get_by_role("button", name="Record decision").click()
    assert "is now an observer member" in page.content()

    # 4. The applicant sees the state and its workspace.
    _log_in(page, live_server, applicant)
    page.goto(application_url)
    assert "Admitted as observer member" in page.get_by_test_id("application-state").inner_text()

    # 5. The new observer is in the public directory and in this year's growth.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/members/?chapter=africa&tier=observer")
    assert page.get_by_role("link", name=name).is_visible()
    page.goto(f"{live_server.url}/network/growth/")
    year = timezone.localdate().year
    row = page.locator(f'tr[data-year="{year}"]')
    assert row.locator('[data-col="members"]').inner_text() == "1"
    assert row.locator('[data-col="countries"]').inner_text() == "1"
    assert page.locator("canvas[data-chart]").count() == 1
