"""Network growth from a known history (and from the demo data), and the nightly lapsing job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from members import services, tasks
from members.demo import load_members_demo
from members.growth import growth_as_of, network_growth
from members.models import LapseReminder, Member, Status, StatusChange, Tier, TierChange
from recpnet.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def _history(
    member: Member, *tiers: tuple[str, str], statuses: tuple[tuple[str, str], ...] = ()
) -> None:
    for day, tier in tiers:
        TierChange.objects.create(
            member=member, tier=tier, effective_on=dt.date.fromisoformat(day), reason="history"
        )
    for day, status in statuses:
        StatusChange.objects.create(
            member=member, status=status, effective_on=dt.date.fromisoformat(day), reason="history"
        )


def test_growth_from_a_known_history(tenancy: Any, fake_evidence: Any) -> None:
    a, b = tenancy.member_a, tenancy.member_b  # Kenya (Africa), Colombia (Latin America)
    c: Member = factories.MemberFactory.create(
        country=factories.country("KE"), organisation_type="ncpp"
    )
    _history(a, ("2010-03-01", Tier.REGULAR), statuses=(("2010-03-01", Status.ACTIVE),))
    _history(
        b,
        ("2011-06-01", Tier.OBSERVER),
        ("2013-02-01", Tier.ASSOCIATE),
        statuses=(("2011-06-01", Status.ACTIVE), ("2014-04-01", Status.LAPSED)),
    )
    _history(c, ("2012-12-31", Tier.OBSERVER))  # no status history: active from its first tier
    fake_evidence.report_years[a.pk] = {2011, 2012}

    rows = {r["year"]: r for r in network_growth(first_year=2009, last_year=2015)}
    assert rows[2009]["members"] == 0
    assert rows[2010] | {} == {
        "year": 2010,
        "members": 1,
        "countries": 1,
        "by_tier": {"observer": 0, "associate": 0, "regular": 1},
        "by_chapter": rows[2010]["by_chapter"],
        "by_type": {"ncpc": 1},
        "joined": 1,
        "lapsed": 0,
        "active_contributors": 0,
    }
    assert rows[2010]["by_chapter"]["africa"] == 1
    assert (rows[2011]["members"], rows[2011]["countries"], rows[2011]["joined"]) == (2, 2, 1)
    assert rows[2011]["active_contributors"] == 1
    assert rows[2012]["members"] == 3
    assert rows[2012]["countries"] == 2
    assert rows[2012]["by_type"] == {"ncpc": 2, "ncpp": 1}
    assert rows[2013]["by_tier"] == {"observer": 1, "associate": 1, "regular": 1}
    assert rows[2013]["by_chapter"]["latin-america-caribbean"] == 1
    assert (rows[2014]["members"], rows[2014]["lapsed"]) == (2, 1)
    assert rows[2014]["by_chapter"]["latin-america-caribbean"] == 0


def test_growth_is_constant_in_queries(tenancy: Any, django_assert_num_queries: Any) -> None:
    for m in (tenancy.member_a, tenancy.member_b):
        _history(m, ("2012-01-01", Tier.OBSERVER), statuses=(("2012-01-01", Status.ACTIVE),))
    # members, tier changes, status changes, chapters
    with django_assert_num_queries(4):
        network_growth(first_year=2010, last_year=2015)


@pytest.mark.django_db
def test_demo_growth_matches_the_seed(client: Any) -> None:
    load_members_demo()
    assert (growth_as_of(2010) or {})["members"] == 41
    assert (growth_as_of(2010) or {})["countries"] == 37
    assert (growth_as_of(2015) or {})["members"] == 71
    assert (growth_as_of(2015) or {})["countries"] == 56
    page = client.get(reverse("members:growth")).content.decode()
    for year, members, countries in ((2010, 41, 37), (2015, 71, 56)):
        assert (
            f'<tr data-year="{year}"><th scope="row">{year}</th>'
            f'<td class="num" data-col="members">{members}</td>'
            f'<td class="num" data-col="countries">{countries}</td>'
        ) in page
    api = client.get("/api/v1/network/growth/").json()
    by_year = {r["year"]: r for r in api}
    assert (by_year[2010]["members"], by_year[2010]["countries"]) == (41, 37)
    assert (by_year[2015]["members"], by_year[2015]["countries"]) == (71, 56)
    csv = client.get(reverse("members:growth_csv")).content.decode().splitlines()
    assert csv[0].startswith("year,members,countries")
    assert any(line.startswith("2015,71,56,") for line in csv)


def test_demo_loader_is_idempotent() -> None:
    load_members_demo()
    snapshot = (
        Member.objects.count(),
        TierChange.objects.count(),
        StatusChange.objects.count(),
        User.objects.count(),
        sorted(User.objects.values_list("email", "password")),
    )
    load_members_demo()
    assert snapshot == (
        Member.objects.count(),
        TierChange.objects.count(),
        StatusChange.objects.count(),
        User.objects.count(),
        sorted(User.objects.values_list("email", "password")),
    )
    assert Member.objects.count() == 71
    sec = User.objects.get(email="secretariat@demo.recpnet.org")
    assert sec.is_secretariat
    assert sec.check_password("recpnet-demo-2015")
    assert User.objects.filter(email="coordinator-africa@demo.recpnet.org").exists()
    assert User.objects.filter(email__startswith="admin@", memberships__role="admin").count() == 5


# --- lapsing ---------------------------------------------------------------------------------


def test_lapsing_reminders_then_lapse_idempotent(
    tenancy: Any, fake_evidence: Any, django_capture_on_commit_callbacks: Any
) -> None:
    a, b = tenancy.member_a, tenancy.member_b
    Member.objects.filter(pk__in=[a.pk, b.pk]).update(joined_on=dt.date(2010, 1, 1))
    fake_evidence.report_years[a.pk] = {2012}  # A's last approved report is for 2012
    fake_evidence.report_years[b.pk] = {2013}  # B reported for 2013: never lapses in 2015

    # Deadline for reporting year 2014 is 31 March 2015: reminders 60 and 30 days before.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.members_check_lapsing(today=dt.date(2015, 1, 1)).reminded == 0
        assert services.members_check_lapsing(today=dt.date(2015, 1, 30)).reminded == 1
        assert services.members_check_lapsing(today=dt.date(2015, 1, 31)).reminded == 0
        assert services.members_check_lapsing(today=dt.date(2015, 3, 1)).reminded == 1
        assert services.members_check_lapsing(today=dt.date(2015, 3, 2)).reminded == 0
    assert sorted(
        LapseReminder.objects.values_list("member__slug", "reporting_year", "days_before")
    ) == [
        ("kncpc", 2014, 30),
        ("kncpc", 2014, 60),
    ]
    assert all(tenancy.admin_a.email in m.to for m in mail.outbox)
    assert len(mail.outbox) == 2

    first = services.members_check_lapsing(today=dt.date(2015, 4, 5))
    again = services.members_check_lapsing(today=dt.date(2015, 4, 6))
    assert (first.lapsed, again.lapsed) == (1, 0)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (Status.LAPSED, Status.ACTIVE)
    change = a.status_changes.get()
    assert change.effective_on == dt.date(2015, 4, 1)
    assert change.actor is None
    assert "2013" in change.reason
    assert "2014" in change.reason

    # Re-activation by the secretariat; the growth history shows the lapse.
    services.member_reactivate(actor=tenancy.secretariat, member=a, reason="Reports resumed")
    a.refresh_from_db()
    assert a.status == Status.ACTIVE


def test_new_members_owe_nothing_for_their_first_year(tenancy: Any) -> None:
    Member.objects.filter(pk=tenancy.member_a.pk).update(joined_on=dt.date(2014, 6, 1))
    Member.objects.filter(pk=tenancy.member_b.pk).update(joined_on=dt.date(2014, 6, 1))
    run = services.members_check_lapsing(today=dt.date(2016, 4, 5))
    # Owed 2015 only (joined 2014): one missing year is not two, so no lapse yet.
    assert run.lapsed == 0


def test_beat_task_is_scheduled_and_calls_the_service(tenancy: Any, settings: Any) -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE["members-check-lapsing"]
    assert schedule["task"] == "members.check_lapsing"
    # Both fixture members joined in 2015 and have no approved report since: they lapse once.
    assert tasks.check_lapsing.apply().get() == {"reminded": 0, "lapsed": 2}
    assert tasks.check_lapsing.apply().get() == {"reminded": 0, "lapsed": 0}
