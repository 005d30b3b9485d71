"""Production: secrets and hosts must come from the environment; HTTPS everywhere."""

from .base import *  # noqa: F403
from .base import DATABASES, config

DEBUG = False
SECRET_KEY = config.get_str("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY.startswith("insecure"):
    raise config.ConfigError("SECRET_KEY", "set a long random value in production")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise config.ConfigError("DATABASE_URL", "production needs a postgres:// URL")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = config.get_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = config.get_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"
