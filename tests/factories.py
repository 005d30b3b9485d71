"""factory_boy factories for the portal's models."""

from __future__ import annotations

import datetime as dt

import factory
from allauth.account.models import EmailAddress

from chapters.models import Chapter, Coordinator, Country
from members.models import Member, Membership, OrganisationType, Role, Tier
from recpnet.models import User

PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.create(
                user=obj, email=obj.email, verified=extracted is not False, primary=True
            )
            if obj.is_secretariat:
                enrol_totp(obj)


def country(code: str) -> Country:
    return Country.objects.get(code=code)


def chapter(slug: str) -> Chapter:
    return Chapter.objects.get(slug=slug)


def enrol_totp(user: User) -> str:
    """Give ``user`` an authenticator app (coordinators and the secretariat must have one)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret
    return ""


def api_token(user: User, *, second_factor: bool | None = None) -> str:
    """An API token for ``user`` as its log-in would issue it (with a second factor when the
    user has an authenticator); returns the key for ``Authorization: Token <key>``."""
    from recpnet.mfa import has_mfa
    from recpnet.models import ApiToken

    if second_factor is None:
        second_factor = has_mfa(user)
    _token, key = ApiToken.objects.create(user, second_factor=second_factor)
    return str(key)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"Cleaner Production Centre {n}")
    slug = factory.Sequence(lambda n: f"cpc-{n}")
    country = factory.LazyFunction(lambda: country("KE"))
    organisation_type = OrganisationType.NCPC
    tier = Tier.OBSERVER
    joined_on = dt.date(2015, 6, 1)
    contact_email = factory.Sequence(lambda n: f"contact{n}@centre.example.org")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    member = factory.SubFactory(MemberFactory)
    role = Role.STAFF


class CoordinatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coordinator
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    chapter = factory.LazyFunction(lambda: chapter("africa"))

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            enrol_totp(obj.user)
