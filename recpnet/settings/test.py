"""Test settings: the same env-var rules as everywhere, fast hashing, plain static storage."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import config

DEBUG = False
# serialized_rollback (browser and worker tests) must not re-insert content types and
# permissions, which the flush recreates with new ids.
TEST_NON_SERIALIZED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
if REDIS_URL:  # noqa: F405
    # The cache gets a Redis database of its own, so tests can clear it without touching the
    # broker's queues.
    CACHES = {
        "default": {
            "BACKEND": "recpnet.cache.ResilientRedisCache",
            "LOCATION": urlunsplit(urlsplit(REDIS_URL)._replace(path="/15")),  # noqa: F405
            "KEY_PREFIX": "recpnet-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Manifest storage makes the live server 404 hashed names in browser tests (see STACK.md).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(config.get_str("TEST_MEDIA_ROOT", "/tmp/recpnet-test-media"))  # noqa: S108
# Tasks run in-process unless a test asks for the real broker (the ``broker`` and
# ``celery_worker`` fixtures), so no test's commit hands work to a worker that might touch the
# database while the next test flushes it.
CELERY_TASK_ALWAYS_EAGER = True
# A queue of its own per test run, so a worker on the same Redis never takes its tasks.
CELERY_TASK_DEFAULT_QUEUE = config.get_str("CELERY_QUEUE", f"recpnet-test-{os.getpid()}")
# Serve static files straight from the source folders (no collectstatic needed here).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
