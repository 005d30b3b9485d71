"""Coordinators and the secretariat must enrol an authenticator app before they can act."""

from __future__ import annotations

from tests import factories


def test_coordinator_without_mfa_is_sent_to_enrolment(client, db) -> None:
    coordinator = factories.CoordinatorFactory(mfa=False).user
    client.force_login(coordinator)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # Enrolment itself, and logging out, stay reachable.
    assert client.get("/accounts/2fa/totp/activate/").status_code in (200, 302)


def test_secretariat_without_mfa_cannot_use_the_api(client, db) -> None:
    officer = factories.UserFactory(is_secretariat=False)
    officer.is_secretariat = True
    officer.save()
    token_key = factories.api_token(officer)
    response = client.post(
        "/api/v1/members/",
        {"name": "X"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token_key}",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"
    # Reading too: a reviewer's reads see submitted evidence, so they need the second factor.
    listing = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token_key}")
    assert listing.status_code == 403
    assert listing.json()["error"]["code"] == "mfa_required"


def test_enrolled_coordinator_and_member_staff_act_normally(client, tenancy) -> None:
    client.force_login(tenancy.coordinator_a)
    assert client.get("/dashboard/").status_code == 200
    client.force_login(tenancy.staff_a)  # member staff are not required to use MFA
    assert client.get("/dashboard/").status_code == 200
