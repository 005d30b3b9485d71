"""``manage.py load_demo``: the demo network from the seed publication, idempotently.

Loads, in order: members with their tier and status history and one demo account per role
(members.demo), the seed's real cases with their figures (knowledge.demo.cases), annual reports
derived from them (knowledge.demo.reports), and rebuilds the statistics. A second run changes
nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings


class Command(BaseCommand):
    help = "Load the demo network (members, accounts, cases, reports) from the seed; idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        from knowledge.demo.cases import load_cases_demo
        from knowledge.demo.reports import load_reports_demo
        from members.demo import load_members_demo

        # The demo's history is recorded through the real services, which notify people by
        # email; nobody is waiting for those messages, so they are not sent.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            load_members_demo(stdout=self.stdout)
            load_cases_demo(stdout=self.stdout)
            load_reports_demo(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
