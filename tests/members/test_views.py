"""Pages of members: directory filters and pinned query counts, contact details, workspaces,
invitation links, applications and the secretariat's lists and exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import Application, ApplicationState, Invitation, Member, Role, Status
from tests import factories

pytestmark = pytest.mark.django_db


def _more_members(n: int) -> None:
    for i in range(n):
        factories.MemberFactory(
            country=factories.country("GH" if i % 2 else "PE"), themes=["water"]
        )


@pytest.mark.parametrize("extra", [0, 30])
def test_directory_query_count_is_constant(
    client: Any, tenancy: Any, django_assert_num_queries: Any, extra: int
) -> None:
    _more_members(extra)
    # 1 chapters (filter choices), 2 count, 3 one page of members with country and chapter.
    with django_assert_num_queries(3):
        response = client.get(reverse("members:directory"))
    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 30])
def test_secretariat_member_list_query_count_is_constant(
    client: Any, tenancy: Any, django_assert_max_num_queries: Any, extra: int
) -> None:
    _more_members(extra)
    client.force_login(tenancy.secretariat)
    # 1 session, 2 user, 3 count, 4 counts by status, 5 by tier, 6 application counts,
    # 7-8 navigation roles (memberships, coordinated chapters), 9 the secretariat's
    # authenticator (MFA is required of this role), 10 page of members with staff counts,
    # country and chapter, 11 session save … and nothing per row.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("members:secretariat_members"))
    assert response.status_code == 200


def test_directory_filters(client: Any, tenancy: Any) -> None:
    Member.objects.filter(pk=tenancy.member_a.pk).update(themes=["water", "energy_efficiency"])
    factories.MemberFactory(name="Lapsed Centre", status=Status.LAPSED)

    def names(query: str) -> list[str]:
        page = client.get(reverse("members:directory") + query).context["page"]
        return [m.name for m in page]

    assert len(names("")) == 2
    assert "Lapsed Centre" not in names("")
    assert names("?chapter=africa") == [tenancy.member_a.name]
    assert names("?country=co") == [tenancy.member_b.name]
    assert names("?theme=water") == [tenancy.member_a.name]
    assert names("?tier=regular") == []
    assert names("?organisation_type=ncpc&chapter=latin-america-caribbean") == [
        tenancy.member_b.name
    ]


def test_contact_details_only_for_network_users(client: Any, tenancy: Any) -> None:
    url = reverse("members:detail", args=["kncpc"])
    email = tenancy.member_a.contact_email
    assert email not in client.get(url).content.decode()
    client.force_login(tenancy.outsider)
    assert email not in client.get(url).content.decode()
    client.force_login(tenancy.staff_b)
    assert email in client.get(url).content.decode()
    Member.objects.filter(pk=tenancy.member_b.pk).update(status=Status.LAPSED)
    assert email not in client.get(url).content.decode()  # staff of a lapsed member


def test_non_active_member_profile_is_hidden(client: Any, tenancy: Any) -> None:
    Member.objects.filter(pk=tenancy.member_a.pk).update(status=Status.WITHDRAWN)
    url = reverse("members:detail", args=["kncpc"])
    assert client.get(url).status_code == 404
    client.force_login(tenancy.staff_b)
    assert client.get(url).status_code == 404
    client.force_login(tenancy.staff_a)
    assert client.get(url).status_code == 200


def test_expertise_map_counts(client: Any, tenancy: Any) -> None:
    Member.objects.filter(pk=tenancy.member_a.pk).update(themes=["water"])
    Member.objects.filter(pk=tenancy.member_b.pk).update(themes=["water", "waste"])
    data = client.get(reverse("members:expertise")).context["map"]
    rows = {code: (counts, total) for code, _label, counts, total in data["rows"]}
    slugs = [c.slug for c in data["chapters"]]
    assert rows["water"][1] == 2
    assert rows["water"][0][slugs.index("africa")] == 1
    assert rows["waste"][0][slugs.index("latin-america-caribbean")] == 1


def test_workspace_shows_the_active_member(client: Any, tenancy: Any) -> None:
    factories.MembershipFactory(user=tenancy.staff_a, member=tenancy.member_b, role=Role.STAFF)
    client.force_login(tenancy.staff_a)
    page = client.get(reverse("members:workspace", args=["cnpml-colombia"])).content.decode()
    assert f'data-testid="active-member">{tenancy.member_b.name}' in page
    assert reverse("members:workspace", args=["kncpc"]) in page  # the switcher


def test_invite_and_accept_through_pages(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.admin_a)
    response = client.post(
        reverse("members:invite", args=["kncpc"]), {"email": "joiner@example.org", "role": "staff"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    url = reverse("members:invitation", args=[invitation.token])
    client.logout()
    assert client.get(url).url.startswith(reverse("account_login"))
    joiner = factories.UserFactory(email="joiner@example.org")
    client.force_login(joiner)
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert tenancy.member_a.memberships.filter(user=joiner).exists()
    reused = client.post(url)
    assert reused.status_code == 410
    assert "already been used" in reused.content.decode()


def test_invitation_to_existing_staff_shows_field_error(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.admin_a)
    response = client.post(
        reverse("members:invite", args=["kncpc"]),
        {"email": tenancy.staff_a.email, "role": "staff"},
        follow=True,
    )
    assert "already on the staff" in response.content.decode()
    assert not Invitation.objects.exists()


def test_expired_invitation_page(client: Any, tenancy: Any) -> None:
    invitation = Invitation.objects.create(
        member=tenancy.member_a,
        email=tenancy.outsider.email,
        invited_by=tenancy.admin_a,
        expires_at=timezone.now() - dt.timedelta(hours=1),
    )
    client.force_login(tenancy.outsider)
    response = client.post(reverse("members:invitation", args=[invitation.token]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not tenancy.member_a.memberships.filter(user=tenancy.outsider).exists()


def test_application_pages(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.outsider)
    form = {
        "name": "Ethiopian Cleaner Production Centre",
        "country": "ET",
        "organisation_type": "ncpc",
        "description": "Profile",
        "track_record": "Track record",
        "contact_email": tenancy.outsider.email,
    }
    response = client.post(reverse("members:apply"), form)
    assert response.status_code == 200
    assert "charter_accepted" in response.context["form"].errors
    response = client.post(reverse("members:apply"), {**form, "charter_accepted": "on"})
    application = Application.objects.get()
    assert response.url == reverse("members:application", args=[application.reference])
    # The same again is answered like any application (and flagged to the secretariat).
    again = client.post(reverse("members:apply"), {**form, "charter_accepted": "on"})
    assert again.status_code == 302
    assert Application.objects.count() == 2

    client.force_login(tenancy.coordinator_a)
    url = reverse("members:application_recommend", args=[application.reference])
    assert client.post(url, {"recommend": "yes", "comment": ""}).status_code == 400
    assert client.post(url, {"recommend": "yes", "comment": "Good"}).status_code == 302
    client.force_login(tenancy.secretariat)
    response = client.post(
        reverse("members:application_decide", args=[application.reference]),
        {"decision": "admit", "reason": ""},
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.ADMITTED
    assert application.member is not None
    assert response.url == reverse("members:manage", args=[application.member.slug])
    client.force_login(tenancy.outsider)
    page = client.get(reverse("members:application", args=[application.reference]))
    assert "Admitted as observer member" in page.content.decode()


def test_secretariat_tier_change_page(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.secretariat)
    url = reverse("members:change_tier", args=["kncpc"])
    response = client.post(url, {"tier": "associate", "reason": ""})
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()
    response = client.post(
        url, {"tier": "associate", "effective_on": "2013-05-01", "reason": "Merit"}
    )
    assert response.status_code == 302
    tenancy.member_a.refresh_from_db()
    assert tenancy.member_a.tier == "associate"
    page = client.get(reverse("members:manage", args=["kncpc"])).content.decode()
    assert "2013-05-01" in page or "May 1, 2013" in page


EXPORT_HEADINGS = [
    "slug",
    "name",
    "country",
    "chapter",
    "organisation_type",
    "tier",
    "status",
    "joined_on",
    "founding",
    "established",
    "website",
    "contact_email",
    "staff",
]


def _csv_rows(response: Any) -> list[list[str]]:
    import csv

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(response.content.decode("utf-8-sig").splitlines()))


def _xlsx_rows(response: Any) -> list[list[Any]]:
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_exports(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.secretariat)
    rows = _csv_rows(client.get(reverse("members:export_csv")))
    assert rows[0] == EXPORT_HEADINGS
    kncpc = dict(zip(rows[0], next(r for r in rows if r[0] == "kncpc"), strict=True))
    assert (kncpc["country"], kncpc["chapter"], kncpc["staff"]) == ("KE", "africa", "2")
    xlsx = client.get(reverse("members:export_xlsx"))
    assert xlsx.content[:2] == b"PK"
    assert xlsx["Content-Disposition"] == 'attachment; filename="recpnet-members.xlsx"'
    sheet = _xlsx_rows(xlsx)
    assert sheet[0] == EXPORT_HEADINGS
    assert {r[0] for r in sheet[1:]} == {"kncpc", "cnpml-colombia"}
    services.member_change_status(
        actor=tenancy.secretariat, member=tenancy.member_a, status="suspended", reason="x"
    )
    assert "kncpc" in client.get(reverse("members:export_csv")).content.decode()


def test_exports_neutralise_formulas_in_member_text(client: Any, tenancy: Any) -> None:
    formula = '=HYPERLINK("http://evil","x")'
    Member.objects.filter(pk=tenancy.member_a.pk).update(name=formula)
    client.force_login(tenancy.secretariat)
    rows = _csv_rows(client.get(reverse("members:export_csv")))
    names = [r[1] for r in rows[1:]]
    assert "'" + formula in names
    assert formula not in names
    sheet = _xlsx_rows(client.get(reverse("members:export_xlsx")))
    assert "'" + formula in [r[1] for r in sheet[1:]]


def test_status_change_page_refuses_a_date_before_1990(client: Any, tenancy: Any) -> None:
    client.force_login(tenancy.secretariat)
    response = client.post(
        reverse("members:change_status", args=["kncpc"]),
        {"status": "suspended", "effective_on": "0001-01-01", "reason": "Typo"},
    )
    assert response.status_code == 400
    assert "Enter a date from 1990-01-01 to" in response.content.decode()
    tenancy.member_a.refresh_from_db()
    assert tenancy.member_a.status == Status.ACTIVE


def test_revoking_another_members_invitation_is_404(client: Any, tenancy: Any) -> None:
    invitation = services.invitation_create(
        actor=tenancy.admin_b, member=tenancy.member_b, email="b-new@example.org"
    )
    client.force_login(tenancy.admin_a)
    response = client.post(reverse("members:invitation_revoke", args=["kncpc", invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
