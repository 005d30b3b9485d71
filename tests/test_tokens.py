"""API tokens are log-ins: the same gates as the log-in page, revoked when what the log-in
proved changes, and every authentication event kept (issue: accounts and API tokens as strong
as the log-in page).

The tests marked ``redis`` go through the real HTTP stack (a live server thread), with the
log-in limits counted in Redis and the rows in PostgreSQL."""

from __future__ import annotations

import ipaddress
import re
import time
from datetime import timedelta
from typing import Any

import pytest
import requests
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from members.models import Role
from recpnet.addresses import client_address
from recpnet.models import ApiToken, SecurityEvent
from recpnet.security import record
from tests import factories

TOKEN_URL = "/api/v1/auth/token/"


def _events(user: Any = None, **filters: Any) -> list[str]:
    """Kinds of the security events of ``user`` (the log is shared by every test)."""
    rows = SecurityEvent.objects.filter(**filters)
    if user is not None:
        rows = rows.filter(user_id=user.pk)
    return list(rows.order_by("at", "id").values_list("kind", flat=True))


def _code(secret: str) -> str:
    """The current code, taken early enough in its 30-second window to be checked in it (the
    portal allows no drift)."""
    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# --- one client address ------------------------------------------------------------------

_ADDRESS = st.ip_addresses().map(str)


def _normal(address: str) -> str:
    """An IPv4 peer seen through a dual-stack socket (::ffff:a.b.c.d) is that IPv4 address."""
    parsed = ipaddress.ip_address(address)
    return str(getattr(parsed, "ipv4_mapped", None) or parsed)


@given(client=_ADDRESS, forged=st.lists(_ADDRESS | st.text(max_size=20), max_size=4))
def test_without_trusted_proxies_the_header_is_never_read(client: str, forged: list[str]) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=client, HTTP_X_FORWARDED_FOR=", ".join(forged))
    assert client_address(request) == _normal(client)


@given(client=_ADDRESS, forged=st.lists(_ADDRESS | st.text(max_size=20), max_size=4))
@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_hop_it_appended_is_the_client(
    client: str, forged: list[str]
) -> None:
    # The client sends any header it likes; the proxy (10.0.0.2) appends the address it saw.
    header = ", ".join([*forged, client])
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=header)
    expected = _normal(client)
    if expected.startswith("10."):
        # A client inside the trusted network is itself a proxy: the walk goes on leftwards,
        # so only what it appended can be read; the address is then never the forged text.
        hops = set()
        for hop in forged:
            try:
                hops.add(_normal(hop.strip()))
            except ValueError:
                continue
        assert client_address(request) in {*hops, expected, "10.0.0.2"}
        return
    assert client_address(request) == expected


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_a_proxy_seen_through_a_dual_stack_socket_is_still_trusted() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="::ffff:10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert client_address(request) == "203.0.113.5"


def test_a_header_from_an_untrusted_peer_is_ignored() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.1, 10.0.0.2"
    )
    assert client_address(request) == "198.51.100.9"


def test_the_security_log_keeps_the_connection_address_not_the_header(client, db) -> None:
    user = factories.UserFactory()
    client.post(
        TOKEN_URL,
        {"email": user.email, "password": "wrong"},
        content_type="application/json",
        REMOTE_ADDR="198.51.100.20",
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )
    addresses = set(
        SecurityEvent.objects.filter(detail__contains=user.email).values_list("address", flat=True)
    )
    assert addresses == {"198.51.100.20"}


# --- tokens: issue, use, revoke ---------------------------------------------------------------


def test_a_token_is_named_hashed_expiring_and_revocable(client, db) -> None:
    user = factories.UserFactory()
    issued = client.post(
        TOKEN_URL,
        {"email": user.email, "password": factories.PASSWORD, "name": "nightly export"},
        content_type="application/json",
    )
    assert issued.status_code == 200, issued.json()
    key = issued.json()["token"]
    token = ApiToken.objects.get(user=user)
    assert token.name == "nightly export"
    assert key not in token.digest and token.digest != key  # stored as a hash only
    assert timezone.now() < token.expiry <= timezone.now() + timedelta(hours=12)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/cases/", **auth).status_code == 200
    assert client.delete(TOKEN_URL, **auth).status_code == 204
    assert client.get("/api/v1/cases/", **auth).status_code == 401
    assert client.delete(TOKEN_URL, **auth).status_code == 401
    assert _events(user) == ["token_issued", "token_revoked"]


@pytest.mark.parametrize(
    "header", [b"Token \xe9\xe9", b"Token " + b"g" * 64, b"Token abc", b"Token " + b"A" * 64]
)
def test_a_malformed_token_is_a_401_never_a_500(client, db, header: bytes) -> None:
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=header.decode("latin-1"))
    assert response.status_code == 401


def test_failures_and_lockouts_are_filed_under_the_account_they_aimed_at(client, db) -> None:
    user = factories.UserFactory()
    for _ in range(6):
        client.post(
            TOKEN_URL,
            {"email": user.email.upper(), "password": "wrong"},
            content_type="application/json",
        )
    kinds = _events(user)
    assert kinds.count("login_failed") == 5
    assert kinds[-1] == "lockout"
    # The holder sees them on their security page.
    client.force_login(user)
    assert (
        "Locked out after too many failed attempts"
        in client.get("/accounts/tokens/").content.decode()
    )


def test_ones_own_good_code_does_not_reset_the_address_count(client, db) -> None:
    """Failures against other accounts from one address stop at ten a minute, even when the
    attacker logs in with their own password and code in between (a good code clears the code
    count, never the address's)."""
    attacker = factories.UserFactory()
    secret = factories.enrol_totp(attacker)

    def guess(n: int) -> str:
        response = client.post(
            "/accounts/login/", {"login": f"victim{n}@example.org", "password": "wrong"}
        )
        return response.content.decode()

    for n in range(9):
        assert "Too many failed login attempts" not in guess(n)
    own = client.post(
        TOKEN_URL,
        {"email": attacker.email, "password": factories.PASSWORD, "code": _code(secret)},
        content_type="application/json",
    )
    assert own.status_code == 200, own.content
    assert "Too many failed login attempts" not in guess(9)
    assert "Too many failed login attempts" in guess(10)


def test_wrong_current_passwords_on_the_change_page_count_and_are_recorded(client, db) -> None:
    user = factories.UserFactory()
    client.force_login(user)
    for _ in range(5):
        client.post(
            "/accounts/password/change/",
            {
                "oldpassword": "guess",
                "password1": "new long pass 77",
                "password2": "new long pass 77",
            },
        )
    assert _events(user).count("login_failed") == 5
    refused = client.post(
        TOKEN_URL,
        {"email": user.email, "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 429


def test_the_account_limit_counts_the_account_not_the_address_typed(client, db) -> None:
    from allauth.account.models import EmailAddress

    user = factories.UserFactory()
    other = "second-address@example.org"
    EmailAddress.objects.create(user=user, email=other, verified=True, primary=False)
    for n in range(5):
        client.post(
            TOKEN_URL,
            {"email": (user.email, other)[n % 2], "password": "wrong"},
            content_type="application/json",
        )
    for address in (user.email, other):
        refused = client.post(
            TOKEN_URL,
            {"email": address, "password": factories.PASSWORD},
            content_type="application/json",
        )
        assert refused.status_code == 429, address


def test_a_token_name_cannot_forge_a_log_line(client, db) -> None:
    user = factories.UserFactory()
    forged = "x\n2026-12-02 INFO recpnet.security login user=a@b; second_factor=True"
    client.post(
        TOKEN_URL,
        {"email": user.email, "password": factories.PASSWORD, "name": forged},
        content_type="application/json",
    )
    token = ApiToken.objects.get(user=user)
    assert "\n" not in token.name
    (detail,) = SecurityEvent.objects.filter(user_id=user.pk, kind="token_issued").values_list(
        "detail", flat=True
    )
    assert "\n" not in detail and f"name={token.name!r}" in detail


def test_the_security_log_cannot_be_deleted_in_the_admin(client, db) -> None:
    admin = factories.UserFactory(is_staff=True, is_superuser=True, is_secretariat=True)
    record("login_failed", request=None, user=admin, detail="evidence")
    event = SecurityEvent.objects.filter(user_id=admin.pk).latest("at")
    client.force_login(admin)
    response = client.post(f"/admin/recpnet/securityevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_an_expired_token_is_refused(client, db) -> None:
    user = factories.UserFactory()
    key = factories.api_token(user)
    ApiToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()


def test_issuing_beyond_the_cap_revokes_the_oldest(client, db, settings) -> None:
    settings.API_TOKENS_PER_USER = 2
    user = factories.UserFactory()
    keys = []
    for n in range(3):
        response = client.post(
            TOKEN_URL,
            {"email": user.email, "password": factories.PASSWORD, "name": f"t{n}"},
            content_type="application/json",
        )
        keys.append(response.json()["token"])
    assert sorted(ApiToken.objects.filter(user=user).values_list("name", flat=True)) == [
        "t1",
        "t2",
    ]
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {keys[0]}").status_code == 401


def test_the_security_page_lists_and_revokes_only_ones_own_tokens(client, db) -> None:
    user, other = factories.UserFactory(), factories.UserFactory()
    factories.api_token(user)
    factories.api_token(other)
    mine = ApiToken.objects.get(user=user)
    theirs = ApiToken.objects.get(user=other)
    client.force_login(user)
    listing = client.get("/accounts/tokens/")
    assert listing.status_code == 200
    assert mine.token_key[:8] in listing.content.decode()
    assert theirs.token_key[:8] not in listing.content.decode()
    assert client.post("/accounts/tokens/", {"token": theirs.token_key}).status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert client.post("/accounts/tokens/", {"token": mine.token_key}).status_code == 302
    assert not ApiToken.objects.filter(user=user).exists()
    factories.api_token(user)
    factories.api_token(user)
    client.post("/accounts/tokens/", {"all": "1"})
    assert not ApiToken.objects.filter(user=user).exists()
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


# --- revoked when what the log-in proved changes ------------------------------------------


def _live(user: Any, n: int = 2) -> list[str]:
    return [factories.api_token(user) for _ in range(n)]


def _works(client: Any, key: str) -> bool:
    return client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_a_password_change_on_the_page_revokes_every_token(client, db) -> None:
    user = factories.UserFactory()
    keys = _live(user)
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": factories.PASSWORD,
            "password1": "a different long passphrase 7",
            "password2": "a different long passphrase 7",
        },
    )
    assert response.status_code == 302
    assert not any(_works(client, key) for key in keys)
    assert _events(user).count("token_revoked") == 2


def test_a_new_password_saved_field_by_field_still_revokes(db) -> None:
    user = factories.UserFactory()
    _live(user, 1)
    user.set_password("yet another long passphrase 3")
    user.save(update_fields=["password"])
    assert not ApiToken.objects.filter(user=user).exists()


def test_a_revocation_rolled_back_leaves_the_token_and_no_event(db) -> None:
    user = factories.UserFactory()
    _live(user, 1)

    def change_then_fail() -> None:
        with transaction.atomic():
            user.is_active = False
            user.save()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert ApiToken.objects.filter(user=user).count() == 1
    assert "token_revoked" not in _events(user)


def test_a_hash_upgrade_at_log_in_is_not_a_password_change(db) -> None:
    user = factories.UserFactory()
    _live(user, 1)
    # What Django's check_password does when the hasher's parameters changed.
    user.set_password(factories.PASSWORD)
    user._password = None
    user.save(update_fields=["password"])
    assert ApiToken.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    "change",
    ["email", "deactivate", "secretariat_ends", "membership_removed", "coordinator_removed"],
)
def test_a_changed_credential_or_lost_role_revokes_every_token(client, db, change) -> None:
    coordinator = factories.CoordinatorFactory()
    user = coordinator.user
    membership = factories.MembershipFactory(user=user)
    if change == "secretariat_ends":
        user.is_secretariat = True
        user.save()
    keys = _live(user)
    if change == "email":
        user.email = "renamed@example.org"
        user.save()
    elif change == "deactivate":
        user.is_active = False
        user.save()
    elif change == "secretariat_ends":
        user.is_secretariat = False
        user.save()
    elif change == "membership_removed":
        membership.delete()
    elif change == "coordinator_removed":
        coordinator.delete()
    assert not ApiToken.objects.filter(user=user).exists()
    assert not any(_works(client, key) for key in keys)
    assert "token_revoked" in _events(user)


def test_a_membership_role_change_revokes_but_an_unrelated_save_does_not(db) -> None:
    membership = factories.MembershipFactory(role=Role.ADMIN)
    _live(membership.user, 1)
    membership.save()  # nothing changed
    assert ApiToken.objects.filter(user=membership.user).count() == 1
    membership.role = Role.STAFF
    membership.save()
    assert not ApiToken.objects.filter(user=membership.user).exists()


def test_a_token_taken_before_enrolment_stops_working_at_enrolment(client, db) -> None:
    user = factories.MembershipFactory().user  # member staff need no second factor
    key = factories.api_token(user)
    assert _works(client, key)
    TOTP.activate(user, generate_totp_secret())  # what the enrolment page does
    assert not _works(client, key)
    assert "token_revoked" in _events(user)


# --- reviewers: the second factor on every non-public read ----------------------------------


def test_an_unenrolled_coordinator_gets_no_token_and_no_api_reads(client, db) -> None:
    coordinator = factories.CoordinatorFactory(mfa=False).user
    refused = client.post(
        TOKEN_URL,
        {"email": coordinator.email, "password": factories.PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "mfa_required"
    assert not ApiToken.objects.filter(user=coordinator).exists()
    # Nor through a password-only web session.
    client.force_login(coordinator)
    for path in ("/api/v1/cases/", "/api/v1/reports/", "/api/v1/members/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "mfa_required"
        assert "/accounts/2fa/totp/activate/" in response.json()["error"]["message"]
    # The API's public documentation stays readable.
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/schema/?format=json").status_code == 200
    assert "token_refused" in _events(coordinator)


def test_a_reviewer_token_without_a_second_factor_is_refused(client, db) -> None:
    # A staff member's token, taken with the password alone, then made a coordinator who
    # enrols: enrolment revokes it; and one that slipped past (written directly) still fails.
    coordinator = factories.CoordinatorFactory().user
    key = factories.api_token(coordinator, second_factor=False)
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"
    with_code = factories.api_token(coordinator)
    assert _works(client, with_code)


def test_a_reviewer_token_needs_the_code_and_each_code_works_once(client, db) -> None:
    coordinator = factories.CoordinatorFactory(mfa=False).user
    secret = factories.enrol_totp(coordinator)

    def ask(**extra: str) -> Any:
        return client.post(
            TOKEN_URL,
            {"email": coordinator.email, "password": factories.PASSWORD, **extra},
            content_type="application/json",
        )

    assert ask().status_code == 400
    code = _code(secret)
    granted = ask(code=code)
    assert granted.status_code == 200
    assert ApiToken.objects.get(user=coordinator).second_factor
    assert ask(code=code).status_code == 400
    assert _works(client, granted.json()["token"])


# --- events survive the transaction that caused them ---------------------------------------


@pytest.mark.postgres
def test_an_event_recorded_in_a_rolled_back_transaction_is_kept(db) -> None:
    user = factories.UserFactory()

    def refuse_then_fail() -> None:
        with transaction.atomic():
            record("token_refused", request=None, user=user, detail="in a failed transaction")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        refuse_then_fail()
    assert _events(user) == ["token_refused"]


# --- the real HTTP stack: limits shared by the page and the token endpoint ------------------


def _web_login(base: str, email: str, password: str, **headers: str) -> requests.Response:
    session = requests.Session()
    form = session.get(f"{base}/accounts/login/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert csrf is not None
    return session.post(
        f"{base}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": csrf.group(1)},
        headers={"Referer": f"{base}/accounts/login/", **headers},
        timeout=10,
        allow_redirects=False,
    )


def _token(base: str, email: str, password: str, **extra: Any) -> requests.Response:
    headers = extra.pop("headers", {})
    return requests.post(
        f"{base}{TOKEN_URL}",
        json={"email": email, "password": password, **extra},
        headers=headers,
        timeout=10,
    )


LOCKED = "Too many failed login attempts"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_five_wrong_passwords_on_the_page_lock_the_token_endpoint_too(live_server) -> None:
    user = factories.UserFactory()
    base = live_server.url
    for n in range(5):
        # A different forged address each time changes nothing.
        wrong = _web_login(base, user.email, "wrong", **{"X-Forwarded-For": f"203.0.113.{n}"})
        assert wrong.status_code == 200 and LOCKED not in wrong.text
    refused = _token(base, user.email, factories.PASSWORD)
    assert refused.status_code == 429, refused.text
    assert LOCKED in refused.json()["error"]["message"]
    page = _web_login(base, user.email, factories.PASSWORD)
    assert page.status_code == 200 and LOCKED in page.text
    failed = SecurityEvent.objects.filter(kind="login_failed", detail__contains=user.email)
    assert failed.count() == 5
    assert SecurityEvent.objects.filter(kind="lockout").count() >= 2


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_five_wrong_passwords_on_the_token_endpoint_lock_the_page(live_server) -> None:
    user = factories.UserFactory()
    base = live_server.url
    for n in range(5):
        wrong = _token(base, user.email, "wrong", headers={"X-Forwarded-For": f"198.51.100.{n}"})
        assert wrong.status_code == 400
    assert _token(base, user.email, factories.PASSWORD).status_code == 429
    assert LOCKED in _web_login(base, user.email, factories.PASSWORD).text
    failed = SecurityEvent.objects.filter(kind="login_failed", detail__contains=user.email)
    assert failed.count() == 5
    assert set(failed.values_list("address", flat=True)) == {"127.0.0.1"}
    assert SecurityEvent.objects.filter(kind="lockout").exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_rotating_forwarded_for_does_not_escape_the_address_limit(live_server) -> None:
    base = live_server.url
    answers = [
        _token(
            base,
            f"nobody{n}@example.org",
            "wrong",
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        ).status_code
        for n in range(12)
    ]
    # Ten attempts a minute per address (the throttle and allauth's per-address limit agree).
    assert answers[:10] == [400] * 10
    assert set(answers[10:]) == {429}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_wrong_authenticator_codes_lock_the_token_endpoint(live_server) -> None:
    user = factories.UserFactory()
    secret = factories.enrol_totp(user)
    base = live_server.url
    for _ in range(5):
        assert _token(base, user.email, factories.PASSWORD, code="000000").status_code == 400
    right = _token(base, user.email, factories.PASSWORD, code=_code(secret))
    assert right.status_code == 429, right.text
    assert _events(user).count("mfa_failed") == 5
    assert "lockout" in _events(user) or SecurityEvent.objects.filter(kind="lockout").exists()
    assert not ApiToken.objects.filter(user=user).exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_over_http_a_password_change_revokes_and_an_unenrolled_reviewer_reads_nothing(
    live_server,
) -> None:
    base = live_server.url
    user = factories.MembershipFactory().user
    keys = [_token(base, user.email, factories.PASSWORD).json()["token"] for _ in range(2)]
    auth = [{"Authorization": f"Token {key}"} for key in keys]
    assert all(requests.get(f"{base}/api/v1/cases/", headers=h, timeout=10).ok for h in auth)
    user.set_password("another long passphrase 9")
    user.save()
    assert [
        requests.get(f"{base}/api/v1/cases/", headers=h, timeout=10).status_code for h in auth
    ] == [401, 401]
    assert _events(user).count("token_revoked") == 2

    coordinator = factories.CoordinatorFactory(mfa=False).user
    refused = _token(base, coordinator.email, factories.PASSWORD)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "mfa_required"
    assert "token_refused" in _events(coordinator)


def test_the_schema_documents_the_token_lifecycle(client, db) -> None:
    schema = client.get("/api/v1/schema/?format=json").json()
    token = schema["paths"][TOKEN_URL]
    assert {"post", "delete"} <= set(token)
    assert "revoked" in token["post"]["description"]
    issued = token["post"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][issued.rsplit("/", 1)[1]]["properties"]
    assert {"token", "expires", "name"} <= set(fields)
    assert token["delete"]["security"] == [{"tokenAuth": []}]
    assert set(token["delete"]["responses"]) >= {"204", "401"}
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["name"] == "Authorization"
    # Every other operation still declares how to authenticate.
    assert schema["paths"]["/api/v1/cases/"]["get"]["security"][0] == {"tokenAuth": []}


def test_the_secretariat_group_reads_the_log_and_revokes_tokens_in_the_admin(client, db) -> None:
    from django.contrib.auth.models import Group

    from recpnet.groups import SECRETARIAT_GROUP

    officer = factories.UserFactory(is_staff=True, is_secretariat=True)
    factories.enrol_totp(officer)
    officer.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
    holder = factories.UserFactory()
    factories.api_token(holder)
    token = ApiToken.objects.get(user=holder)
    client.force_login(officer)
    assert client.get("/admin/recpnet/securityevent/").status_code == 200
    assert client.get("/admin/recpnet/apitoken/").status_code == 200
    deleted = client.post(f"/admin/recpnet/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert "token_revoked" in _events(holder)
    # Accounts are only viewed: their flags make superusers.
    assert client.get(f"/admin/recpnet/user/{holder.pk}/change/").status_code == 200
    changed = client.post(
        f"/admin/recpnet/user/{holder.pk}/change/", {"email": holder.email, "is_superuser": "on"}
    )
    assert changed.status_code == 403
    # Nor anything whose admin would save past the services' rules (a staff membership).
    membership = factories.MembershipFactory()
    assert officer.has_perm("members.view_membership")
    assert not officer.has_perm("members.change_membership")
    refused = client.post(
        f"/admin/members/membership/{membership.pk}/change/",
        {"user": officer.pk, "member": membership.member_id, "role": "admin"},
    )
    assert refused.status_code == 403
    assert officer.has_perm("members.change_member")
