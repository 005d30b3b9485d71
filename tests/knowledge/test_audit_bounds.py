"""``manage.py audit_bounds`` lists the stored rows that the declared ranges would refuse (so
they can be corrected before they block an unchanged save), and nothing else."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from knowledge.models import Case
from members.models import Member
from tests.knowledge.cases.helpers import make_case

pytestmark = pytest.mark.django_db


def test_a_clean_database_passes(tenancy):
    make_case(tenancy.member_a)
    out = StringIO()
    call_command("audit_bounds", stdout=out)
    assert "Every stored value is within its declared range." in out.getvalue()


def test_rows_from_before_the_ranges_are_listed(tenancy):
    case = make_case(tenancy.member_a)
    Case.objects.filter(pk=case.pk).update(year=1985)
    Member.objects.filter(pk=tenancy.member_b.pk).update(
        joined_on=dt.date(1, 1, 1), established=1850
    )
    out = StringIO()
    with pytest.raises(CommandError, match="3 stored values"):
        call_command("audit_bounds", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        f"case {case.public_id}: year 1985",
        f"member {tenancy.member_b.slug}: joined on 0001-01-01",
        f"member {tenancy.member_b.slug}: established 1850",
    ]
