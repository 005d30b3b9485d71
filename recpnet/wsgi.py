"""WSGI entry point (gunicorn recpnet.wsgi)."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recpnet.settings.production")

from django.core.wsgi import get_wsgi_application

from recpnet.config import ConfigError

try:
    application = get_wsgi_application()
except ConfigError as exc:
    sys.exit(str(exc))
