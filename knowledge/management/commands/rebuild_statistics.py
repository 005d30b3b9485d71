"""``manage.py rebuild_statistics``: recompute every statistic from source (as the nightly job);
prints what it had to change, which should be nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Rebuild all statistics from approved reports and cases; report what changed."

    def handle(self, *args: Any, **options: Any) -> None:
        from knowledge.statistics.services import statistics_rebuild

        result = statistics_rebuild()
        for change in result.changes[:200]:
            self.stdout.write(change)
        self.stdout.write(
            f"{result.slices} slices: {result.created} created, {result.updated} updated, "
            f"{result.deleted} deleted."
        )
        for failure in result.failed:
            self.stderr.write(f"failed, left stale: {failure}")
