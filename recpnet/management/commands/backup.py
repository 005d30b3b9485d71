"""``manage.py backup [--dir backups]``: a timestamped backup of the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from recpnet.backups import BackupError, backup


class Command(BaseCommand):
    help = "Write a timestamped backup of the database (pg_dump custom format on PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default="backups", help="folder for the backup file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup(connections["default"].settings_dict, Path(options["dir"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path}"))
