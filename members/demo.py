"""Load the demo membership history (``members.demo_data``) and the demo accounts.

Idempotent: members are keyed by slug, history rows by (member, date, value), accounts by email;
a second run finds everything in place and changes nothing. Writes go straight to the models
(no acting user exists yet) but follow the services' rules: every member gets a tier history
from its seed and an ``active`` status row on its joining date, from which growth is computed.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from chapters.models import Chapter, Coordinator, Country
from recpnet.groups import SECRETARIAT_GROUP

from .demo_data import MEMBERS
from .models import Member, Membership, Role, Status, StatusChange, TierChange

DEMO_DOMAIN = "demo.recpnet.org"
DEFAULT_PASSWORD = "recpnet-demo-2015"  # noqa: S105 - public demo password, documented in README


def _say(stdout: SupportsWrite[str] | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _account(email: str, *, name: str, password: str, **flags: Any) -> tuple[Any, bool]:
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(email=email, password=password, name=name, **flags)
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


def _member(seed: dict[str, Any]) -> tuple[Member, int]:
    """The member of one seed row and the number of rows written."""
    written = 0
    joined_on = dt.date.fromisoformat(seed["joined_on"])
    tiers = [(dt.date.fromisoformat(d), tier, reason) for d, tier, reason in seed["tiers"]]
    member = Member.objects.filter(slug=seed["slug"]).first()
    if member is None:
        member = Member(
            slug=seed["slug"],
            name=seed["name"],
            country=Country.objects.get(code=seed["country"]),
            organisation_type=seed["organisation_type"],
            established=seed["established"],
            joined_on=joined_on,
            founding=seed["founding"],
            website=seed["website"],
            tier=tiers[-1][1],
            status=Status.ACTIVE,
        )
        member.full_clean()
        member.save()
        written += 1
    existing_tiers = set(member.tier_changes.values_list("effective_on", "tier"))
    for day, tier, reason in tiers:
        if (day, tier) not in existing_tiers:
            TierChange.objects.create(member=member, tier=tier, effective_on=day, reason=reason)
            written += 1
    if not member.status_changes.filter(status=Status.ACTIVE, effective_on=joined_on).exists():
        StatusChange.objects.create(
            member=member,
            status=Status.ACTIVE,
            effective_on=joined_on,
            reason="Founding member of RECPnet" if seed["founding"] else "Admitted to RECPnet",
        )
        written += 1
    return member, written


@transaction.atomic
def load_members_demo(*, stdout: SupportsWrite[str] | None = None) -> None:
    password = os.environ.get("DEMO_PASSWORD", DEFAULT_PASSWORD)
    written = 0
    members: dict[str, Member] = {}
    for seed in MEMBERS:
        member, n = _member(dict(seed))
        members[member.slug] = member
        written += n
    _say(stdout, f"members: {len(members)} in the demo set, {written} rows written")

    accounts = 0
    officer, created = _account(
        f"secretariat@{DEMO_DOMAIN}",
        name="RECPnet Secretariat",
        password=password,
        is_secretariat=True,
        is_staff=True,
    )
    officer.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
    accounts += created
    for chapter in Chapter.objects.order_by("position", "name"):
        user, created = _account(
            f"coordinator-{chapter.slug}@{DEMO_DOMAIN}",
            name=f"Coordinator, {chapter.name}",
            password=password,
        )
        accounts += created
        Coordinator.objects.get_or_create(user=user, chapter=chapter)

    # An admin and a staff account for one member of each chapter: a founding NCPC where the
    # chapter has one (the centres with the longest records, and cases in the seed).
    first_per_chapter: dict[int, Member] = {}
    ranked = sorted(
        members.values(),
        key=lambda m: (not m.founding, m.organisation_type != "ncpc", m.slug),
    )
    for member in ranked:
        first_per_chapter.setdefault(member.country.chapter_id, member)
    for member in first_per_chapter.values():
        for role in (Role.ADMIN, Role.STAFF):
            user, created = _account(
                f"{role}@{member.slug}.{DEMO_DOMAIN}",
                name=f"{member.name} ({role})",
                password=password,
            )
            accounts += created
            Membership.objects.get_or_create(user=user, member=member, defaults={"role": role})
    _say(stdout, f"accounts: {accounts} created (password from DEMO_PASSWORD)")
