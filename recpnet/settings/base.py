"""Settings shared by every environment. All configuration comes from environment variables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from recpnet import config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = config.get_str("SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = config.get_bool("DEBUG", False)
ALLOWED_HOSTS = config.get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = config.get_list("CSRF_TRUSTED_ORIGINS", [])
# Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated); with none,
# the client address is the connection's (recpnet.addresses).
TRUSTED_PROXIES = config.get_networks("TRUSTED_PROXIES")
SITE_URL = config.get_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_countries",
    "django_htmx",
    "simple_history",
    # Project apps, lowest layer first.
    "recpnet",
    "chapters",
    "members",
    "knowledge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "recpnet.middleware.RejectNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "recpnet.roles.RolesPerRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "recpnet.mfa.RequireMFAForReviewersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "recpnet.security.DeniedAccessLogMiddleware",
    "recpnet.middleware.InvalidInputMiddleware",
]

ROOT_URLCONF = "recpnet.urls"
WSGI_APPLICATION = "recpnet.wsgi.application"
ASGI_APPLICATION = "recpnet.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recpnet.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": config.get_database("DATABASE_URL", str(BASE_DIR / "db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = config.get_redis_url("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "recpnet.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            "KEY_PREFIX": config.get_str("CACHE_KEY_PREFIX", "recpnet"),
            "TIMEOUT": 300,
        }
    }
else:
    # One dev server process: an in-memory cache still counts log-in attempts for real.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "recpnet.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth: log-in by email, mandatory verification, TOTP with recovery codes.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Changing the email address or two-factor settings asks for the password again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[RECPnet] "
ACCOUNT_ADAPTER = "recpnet.adapters.AccountAdapter"
ACCOUNT_FORMS = {"change_password": "recpnet.forms.ChangePasswordForm"}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "RECPnet Portal"
MFA_FORMS = {
    "authenticate": "recpnet.mfa.AuthenticateForm",
    "reauthenticate": "recpnet.mfa.ReauthenticateForm",
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(config.get_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
ATTACHMENT_MAX_BYTES = config.get_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# The search of an attachment for its case's enterprise name reads at most this much (PDF
# pages, XLSX cells, bytes of text or of an unpacked workbook); a longer file counts as one
# that could not be checked, and so stays network-only.
ATTACHMENT_CHECK_MAX_PAGES = config.get_int("ATTACHMENT_CHECK_MAX_PAGES", 300)
ATTACHMENT_CHECK_MAX_CELLS = config.get_int("ATTACHMENT_CHECK_MAX_CELLS", 200_000)
ATTACHMENT_CHECK_MAX_BYTES = config.get_int("ATTACHMENT_CHECK_MAX_BYTES", 25 * 1024 * 1024)
# Bulk case imports: the upload is refused above this size before it is read, and an XLSX
# whose parts declare more than this unpacked (a zip bomb) before anything is inflated.
IMPORT_MAX_BYTES = config.get_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = config.get_int("IMPORT_MAX_UNPACKED_BYTES", 25 * 1024 * 1024)

vars().update(config.get_email_config("EMAIL_URL"))
DEFAULT_FROM_EMAIL = config.get_str("DEFAULT_FROM_EMAIL", "RECPnet Portal <portal@recpnet.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_COOKIE_AGE = config.get_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: scripts only from this site (no inline scripts anywhere; data for
# charts travels in <script type="application/json"> blocks, which are not executed). Inline
# style attributes are allowed: third-party widgets set them and they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call then gets 401 with a WWW-Authenticate header.
        "recpnet.auth.TokenAuthentication",
        "recpnet.auth.SessionAuthentication",
    ],
    # Deny by default: every endpoint names its permission explicitly (recpnet.api).
    "DEFAULT_PERMISSION_CLASSES": ["recpnet.permissions.DenyAll"],
    "DEFAULT_PAGINATION_CLASS": "recpnet.permissions.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "recpnet.schema.AutoSchema",
    "EXCEPTION_HANDLER": "recpnet.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "recpnet.parsers.DecimalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"token": "10/min", "anon": "600/min", "user": "1200/min"},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # OPTIONS introspection would build serializers for objects the caller may not see.
    "DEFAULT_METADATA_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RECPnet Portal API",
    "DESCRIPTION": (
        "Members, cases, annual reports and network statistics of RECPnet, the global network "
        "of Resource Efficient and Cleaner Production centres."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One schema name per choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {"TierEnum": "members.models.Tier"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "recpnet.schema.add_error_responses",
    ],
}

# Celery: with no REDIS_URL, tasks run in-process (eagerly) so the portal needs nothing else.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Results only for the tasks that ask for them (ping); everything else ignores its result.
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = config.get_str("CELERY_QUEUE", "recpnet")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
# A message a worker took but never acknowledged (the worker died) is delivered again after
# this long; a worker child killed mid-task is requeued at once (reject_on_worker_lost).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": config.get_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60),
    # Publishing while Redis is down must fail fast: the approval has committed already and
    # the statistics catch up on the next rebuild.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Lapse reminders (60 and 30 days before) and lapsing; idempotent, safe to re-run.
    "members-check-lapsing": {"task": "members.check_lapsing", "schedule": 24 * 60 * 60},
    # Statistics: rebuild everything from source; logs what it had to change (should be none).
    "knowledge-rebuild-statistics": {
        "task": "knowledge.rebuild_statistics",
        "schedule": crontab(hour=2, minute=30),
    },
    # Statistics: recompute the slices stale for over two minutes (a recompute task lost to a
    # broker outage or a killed worker); bounded batch, idempotent. A sweep that waited in the
    # queue past the next one is dropped rather than run late.
    "knowledge-sweep-stale-statistics": {
        "task": "knowledge.sweep_stale_statistics",
        "schedule": 5 * 60,
        "options": {"expire_seconds": 4 * 60},  # django_celery_beat's name for "expires"
    },
    # Fail the case imports whose worker died or whose message was lost; conditional, idempotent.
    "knowledge-sweep-case-imports": {
        "task": "knowledge.sweep_case_imports",
        "schedule": 10 * 60,
    },
    # Annual report reminders 30, 14 and 3 days before the deadline; idempotent.
    "knowledge-report-reminders": {
        "task": "knowledge.send_report_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Reviewers: items waiting 14 and 30 days in the review queue (every type); idempotent.
    "knowledge-review-reminders": {
        "task": "knowledge.send_review_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
}

# API tokens (django-rest-knox, recpnet.tokens): one hashed, expiring, named credential per
# log-in; revoked on any change of password, email, two-factor settings, role or activity.
KNOX_TOKEN_MODEL = "recpnet.ApiToken"  # noqa: S105 - a model name
# knox's own migrations would create the table of its default model, which is swapped out here.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=config.get_int("API_TOKEN_TTL_HOURS", 12)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# Live tokens one account may hold; issuing one more revokes the oldest.
API_TOKENS_PER_USER = config.get_int("API_TOKENS_PER_USER", 10)

HEALTHZ_WORKER_TIMEOUT = 1.0

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": config.get_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# Reporting deadline and reminders (members' annual reports).
REPORT_DEADLINE_MONTH_DAY = (3, 31)
STATS_STALE_AFTER = timedelta(minutes=10)
