"""Test settings: the same env-var rules as everywhere, fast hashing, plain static storage."""

import os

from .base import *  # noqa: F403
from .base import config

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Manifest storage makes the live server 404 hashed names in browser tests (see STACK.md).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = config.get_str("TEST_MEDIA_ROOT", "/tmp/recpnet-test-media")  # noqa: S108
# A queue of its own per test run, so a worker on the same Redis never takes its tasks.
CELERY_TASK_DEFAULT_QUEUE = config.get_str("CELERY_QUEUE", f"recpnet-test-{os.getpid()}")
