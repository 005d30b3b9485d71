"""The Celery app. Worker and beat: ``celery -A recpnet worker`` / ``celery -A recpnet beat``."""

from __future__ import annotations

import os
import sys

from celery import Celery
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recpnet.settings.local")

# Errors worth retrying a task for: the database went away or refused for a moment.
TRANSIENT = (OperationalError, InterfaceError)

app = Celery("recpnet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _check_configuration(sender: Celery, **kwargs: object) -> None:
    from recpnet.config import ConfigError

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - forces the settings to load
    except ConfigError as exc:
        sys.exit(str(exc))


@app.task(name="recpnet.ping", ignore_result=False)
def ping() -> str:
    """A round trip through the broker and a worker (health checks and tests)."""
    return "pong"
