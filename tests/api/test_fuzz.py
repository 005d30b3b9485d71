"""API fuzzing with schemathesis against the project's own OpenAPI schema, as an anonymous
visitor, a member's staff, a coordinator and the secretariat: no 5xx, no response that
violates the schema.

(STACK.md traps: the schema is loaded through a fixture on pytest 9.1; Django's
close_old_connections receivers are disconnected while fuzzing so the test's own database
connection survives the in-process requests.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests import factories

ROLES = ("visitor", "staff_a", "coordinator_a", "secretariat")
# Counted for the run's summary line (tests/conftest.py prints it).
STATS: dict[str, Any] = {"requests": 0, "operations": set()}
MAX_EXAMPLES = 25
# A schema-valid request may still be refused for business reasons (wrong password, a
# transition the item's state does not allow, another tenant's object): those answers are
# documented errors, not defects, so "positive data must be accepted" does not apply. A
# lenient query (an empty ``?year=`` as HTML forms send it, a repeated boolean) is read as "no
# filter" rather than refused, so "negative data must be rejected" does not apply to query
# strings either; malformed values that would change the answer (``?year=0.5``,
# ``?page_size=x``) are 400s, tested in test_api_base.
EXCLUDED_CHECKS = [
    openapi_checks.positive_data_acceptance,
    openapi_checks.negative_data_rejection,
    checks.use_after_free,
    checks.ensure_resource_availability,
]


@pytest.fixture
def api_schema(db: None) -> Iterator[Any]:
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def role_headers(tenancy: Any) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {}
    for role in ROLES:
        if role == "visitor":
            headers[role] = {}
            continue
        token_key = factories.api_token(getattr(tenancy, role))
        headers[role] = {"Authorization": f"Token {token_key}"}
    return headers


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_errors_and_matches_its_schema(
    case: Any, role_headers: dict[str, dict[str, str]], tenancy: Any
) -> None:
    """Each generated request is sent once per role."""
    revokes = case.operation.label == "DELETE /api/v1/auth/token/"
    for role, headers in role_headers.items():
        if revokes and role != "visitor":
            # Logging out revokes the token sent: give it one of its own, so the operations
            # fuzzed after it still run as that role.
            headers = {"Authorization": f"Token {factories.api_token(getattr(tenancy, role))}"}
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)
        STATS["requests"] += 1
        STATS["operations"].add(case.operation.label)
