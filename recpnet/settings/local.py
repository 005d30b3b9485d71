"""Local development (the default): SQLite and in-process tasks unless DATABASE_URL and
REDIS_URL are set."""

from .base import *  # noqa: F403
from .base import config

DEBUG = config.get_bool("DEBUG", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the source folders (no collectstatic needed here).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
