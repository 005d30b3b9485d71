"""The interactive API docs render in a browser under the strict CSP, with local assets only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_without_csp_violations_or_remote_requests(page: Page, live_server) -> None:
    errors: list[str] = []
    remote: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on(
        "request",
        lambda r: remote.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("RECPnet Portal API")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert not [u for u in remote if not u.startswith("data:")], remote
