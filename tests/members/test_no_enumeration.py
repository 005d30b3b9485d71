"""Replays of the enumeration and relay attacks found from outside.

- Sign-up, password reset and log-in answer an address with an account exactly as one without:
  the same status, redirects, templates and visible words (the address itself aside), the same
  number of mails, and the same password-hashing work — counted by a hasher that only counts,
  since a test of speed would be a test of the machine.
- The membership application mails only addresses the applicant has verified, and its text
  reaches no other address.
- An application named like a pending one or a member gets the answer any application gets; the
  secretariat sees it flagged.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from members import services
from members.models import Application
from recpnet.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unguessable pass phrase 7"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class CountingHasher(MD5PasswordHasher):
    """The test settings' fast hasher, counting every password it hashes (hashing a new
    password and checking one both run ``encode``)."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings: Any) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


class _Text(HTMLParser):
    """The words a person sees: text outside scripts and styles, whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _visible(response: Any, *hide: str) -> str:
    parser = _Text()
    parser.feed(response.content.decode())
    text = " ".join(" ".join(parser.parts).split())
    for word in hide:
        text = re.sub(re.escape(word), "<hidden>", text, flags=re.IGNORECASE)
    return text


def _answer(response: Any, *hide: str) -> dict[str, Any]:
    """Everything the client learns from an answer (followed to its end), ``hide`` aside."""
    return {
        "status": response.status_code,
        "redirects": [(UUID.sub("<id>", url), status) for url, status in response.redirect_chain],
        "templates": [t.name for t in response.templates],
        "text": _visible(response, *hide),
    }


def _account(email: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, name="An Applicant")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _post_counted(
    hashes: type[CountingHasher], path: str, data: dict[str, str]
) -> tuple[Any, int, int]:
    """Post as a fresh visitor; the answer, the passwords hashed and the mails sent."""
    hashes.calls = 0
    mails = len(mail.outbox)
    response = Client().post(path, data, follow=True)
    return response, hashes.calls, len(mail.outbox) - mails


# --- accounts -----------------------------------------------------------------------------------


def test_sign_up_answers_a_taken_address_as_a_new_one(hashes: type[CountingHasher]) -> None:
    _account("taken@example.org")

    def sign_up(email: str) -> tuple[Any, int, int]:
        data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        return _post_counted(hashes, "/accounts/signup/", data)

    new, new_hashes, new_mails = sign_up("fresh@example.org")
    taken, taken_hashes, taken_mails = sign_up("taken@example.org")

    assert User.objects.filter(email="fresh@example.org").exists()  # the new one is real
    assert _answer(taken, "taken@example.org") == _answer(new, "fresh@example.org")
    # The same work: one password hashed (creating the account, or as if), one mail sent.
    assert (taken_hashes, taken_mails) == (new_hashes, new_mails) == (1, 1)
    # Asked again at once, the address gets no second mail (the limit on verification mails
    # per address, which a new address meets alike), but the hashing does not hang on the mail.
    _again, again_hashes, again_mails = sign_up("taken@example.org")
    assert (again_hashes, again_mails) == (1, 0)


def test_password_reset_answers_an_unknown_address_as_a_known_one(
    hashes: type[CountingHasher],
) -> None:
    _account("known@example.org")

    def reset(email: str) -> tuple[Any, int, int]:
        return _post_counted(hashes, "/accounts/password/reset/", {"email": email})

    known, known_hashes, known_mails = reset("known@example.org")
    unknown, unknown_hashes, unknown_mails = reset("nobody@example.org")

    assert known.redirect_chain  # a real answer: on to the "mail sent" page
    assert _answer(unknown, "nobody@example.org") == _answer(known, "known@example.org")
    assert (unknown_hashes, unknown_mails) == (known_hashes, known_mails) == (0, 1)


def test_log_in_answers_an_unknown_address_as_a_known_one(hashes: type[CountingHasher]) -> None:
    _account("known@example.org")

    def log_in(email: str) -> tuple[Any, int, int]:
        return _post_counted(
            hashes, "/accounts/login/", {"login": email, "password": PASSWORD + " wrong"}
        )

    known, known_hashes, known_mails = log_in("known@example.org")
    unknown, unknown_hashes, unknown_mails = log_in("nobody@example.org")

    assert known.status_code == 200
    assert "not correct" in _visible(known)
    assert _answer(unknown, "nobody@example.org") == _answer(known, "known@example.org")
    # Checking a known account's password is hashing work; an unknown one gets as much.
    assert unknown_hashes == known_hashes >= 1
    assert unknown_mails == known_mails == 0


# --- applications: contact address -------------------------------------------------------------


def _application_form(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Ethiopian Cleaner Production Centre",
        "country": "ET",
        "organisation_type": "ncpc",
        "description": "Profile of the centre.",
        "track_record": "Forty assessments since 2012.",
        "charter_accepted": "on",
    }
    form.update(overrides)
    return form


def test_application_to_an_unverified_address_is_refused_on_the_field(
    client: Client, tenancy: Any
) -> None:
    applicant = tenancy.outsider
    EmailAddress.objects.create(user=applicant, email="second@example.org", verified=False)
    client.force_login(applicant)
    for address in ("victim@elsewhere.example.org", "second@example.org"):
        response = client.post(reverse("members:apply"), _application_form(contact_email=address))
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == ["contact_email"]
        assert "verified" in errors["contact_email"][0]
    form = client.get(reverse("members:apply")).context["form"]
    assert [value for value, _ in form.fields["contact_email"].choices] == [applicant.email]
    assert reverse("account_email") in str(form)  # where to add and verify another address
    assert not Application.objects.exists()
    assert mail.outbox == []


def test_the_service_refuses_an_unverified_contact_address(tenancy: Any) -> None:
    """The page is not the only way in: the service itself refuses, naming the field."""
    with pytest.raises(ValidationError) as exc:
        services.application_submit(
            actor=tenancy.outsider,
            name="Relay Centre",
            country="KE",
            organisation_type="ncpc",
            description="Buy now",
            track_record="Buy now",
            contact_email="victim@elsewhere.example.org",
            charter_accepted=True,
        )
    assert list(exc.value.message_dict) == ["contact_email"]
    assert not Application.objects.exists()
    assert mail.outbox == []


def test_application_text_reaches_only_the_applicants_verified_addresses(
    client: Client, tenancy: Any, django_capture_on_commit_callbacks: Any
) -> None:
    applicant = tenancy.outsider
    EmailAddress.objects.create(user=applicant, email="office@centre.example.org", verified=True)
    own = {applicant.email, "office@centre.example.org"}
    client.force_login(applicant)
    form = _application_form(
        name="Cheap pills at pills.example",
        description="Visit pills.example",
        track_record="Visit pills.example",
        contact_email="office@centre.example.org",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:apply"), form)
    assert response.status_code == 302
    assert Application.objects.get().contact_email == "office@centre.example.org"
    assert mail.outbox  # the applicant is told, and the coordinators
    for message in mail.outbox:
        if not set(message.to) <= own:
            assert "pills" not in f"{message.subject} {message.body}", message.to
    # The coordinator of the chapter still gets a link to the application.
    to_coordinator = [m for m in mail.outbox if tenancy.coordinator_a.email in m.to]
    assert len(to_coordinator) == 1
    assert str(Application.objects.get().reference) in to_coordinator[0].body


# --- applications: pending names ----------------------------------------------------------------


def test_an_application_named_like_a_pending_one_or_a_member_gets_the_same_answer(
    tenancy: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def submit(user: User, name: str) -> tuple[dict[str, Any], list[list[str]]]:
        client = Client()
        client.force_login(user)
        sent = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("members:apply"),
                _application_form(name=name, contact_email=user.email),
                follow=True,
            )
        shape = [sorted("applicant" if a == user.email else a for a in m.to) for m in mail.outbox]
        return _answer(response, user.email, name), shape[sent:]

    fresh = submit(_account("first@example.org"), "Ethiopian Cleaner Production Centre")
    pending = submit(_account("second@example.org"), "ETHIOPIAN cleaner production centre")
    member = submit(_account("third@example.org"), tenancy.member_a.name.lower())

    assert fresh[0]["redirects"]  # on to the applicant's own application page
    assert "your application was received" in fresh[0]["text"]
    assert pending == fresh
    assert member == fresh
    assert Application.objects.count() == 3


def test_the_secretariat_sees_possible_duplicates_flagged(tenancy: Any) -> None:
    def submit(user: User, name: str, country: str = "KE") -> Application:
        return services.application_submit(
            actor=user,
            name=name,
            country=country,
            organisation_type="ncpc",
            description="Profile",
            track_record="Track record",
            contact_email=user.email,
            charter_accepted=True,
        )

    first = submit(_account("first@example.org"), "Nairobi Resource Efficiency Institute")
    second = submit(_account("second@example.org"), "nairobi resource efficiency institute")
    like_member = submit(_account("third@example.org"), tenancy.member_a.name.upper())
    alone = submit(_account("fourth@example.org"), "Mombasa Cleaner Production Hub")

    client = Client()
    client.force_login(tenancy.secretariat)
    queue = client.get(reverse("members:applications"))
    flagged = {a.pk for a in queue.context["applications"] if a.possible_duplicate}
    assert flagged == {first.pk, second.pk, like_member.pk}
    assert queue.content.decode().count('data-testid="possible-duplicate"') == 3

    detail = client.get(reverse("members:application", args=[second.reference]))
    html = detail.content.decode()
    assert 'data-testid="possible-duplicate"' in html
    assert reverse("members:application", args=[first.reference]) in html
    detail = client.get(reverse("members:application", args=[like_member.reference]))
    assert reverse("members:detail", args=[tenancy.member_a.slug]) in detail.content.decode()
    detail = client.get(reverse("members:application", args=[alone.reference]))
    assert 'data-testid="possible-duplicate"' not in detail.content.decode()

    # Nobody else learns from the flag: not the applicant, not the chapter's coordinator.
    for user in (second.applicant, tenancy.coordinator_a):
        client.force_login(user)
        queue = client.get(reverse("members:applications"))
        assert not any(a.possible_duplicate for a in queue.context["applications"])
        assert 'data-testid="possible-duplicate"' not in queue.content.decode()
        detail = client.get(reverse("members:application", args=[second.reference]))
        assert 'data-testid="possible-duplicate"' not in detail.content.decode()
        assert reverse("members:application", args=[first.reference]) not in (
            detail.content.decode()
        )
