"""RECPnet Portal project package: settings, root URLs, Celery app and shared base classes."""

from .celery import app as celery_app

__all__ = ("celery_app",)
