"""Django settings for NTM Monitor.

Configuration comes from the environment so that the same code runs on a laptop
(embedded SQLite, the default) and in a deployment (PostgreSQL behind gunicorn/nginx):

- ``DATABASE_URL``   e.g. ``postgres://ntm:secret@127.0.0.1:5432/ntm``; default: SQLite in ``NTM_HOME``
- ``NTM_HOME``       folder for the SQLite file, uploads and static files (default ``./var``)
- ``NTM_SECRET_KEY`` the signing key; unset: a random one created once in ``NTM_HOME/secret_key`` (0600)
- ``NTM_DEBUG``      ``1`` for development only (Django's debug pages); off unless asked for
- ``NTM_ALLOWED_HOSTS`` comma-separated host names
- ``NTM_EXPORT_STREAMS`` PostgreSQL connections that compute one large CSV export at once (default 2;
  1 = one query)
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
NTM_HOME = Path(os.environ.get("NTM_HOME", Path.cwd() / "var")).resolve()

from ntm.apps.ops.conf import secret_key as _secret_key  # noqa: E402

# fail closed: DEBUG only when asked for; never a public key (ntm.apps.ops.conf.secret_key)
DEBUG = os.environ.get("NTM_DEBUG", "0").strip() == "1"
SECRET_KEY = _secret_key(os.environ, NTM_HOME)

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("NTM_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # API tokens: hashed, expiring (model: accounts.ApiToken)
    "drf_spectacular",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ntm.apps.units",
    "ntm.apps.catalog",
    "ntm.apps.observations",
    "ntm.apps.evaluations",
    "ntm.apps.accounts",
    "ntm.apps.audit",
    "ntm.apps.plans",
    "ntm.apps.reports",
    "ntm.apps.claims",
    "ntm.apps.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ntm.apps.catalog.middleware.CatalogMiddleware",  # reload a catalogue another process changed
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ntm.apps.accounts.locale.LanguageMiddleware",  # Vietnamese unless the user chose English
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ntm.apps.evaluations.dataview.DataViewMiddleware",  # approved figures, or a reviewer's "gồm cả chưa duyệt"
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ntm.web.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "ntm.web.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{NTM_HOME / 'ntm.sqlite3'}",
        conn_max_age=int(os.environ.get("NTM_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    NTM_HOME.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets readers proceed while one writer commits; busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    # The web workers and the task worker write concurrently: take the write lock at BEGIN so that a
    # transaction never fails half-way with "database is locked" (it waits up to ``timeout`` instead).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# A large CSV export on PostgreSQL is computed by this many connections at once (ntm.apps.ops.pgstream).
NTM_EXPORT_STREAMS = int(os.environ.get("NTM_EXPORT_STREAMS", "2"))
# reporting deadline: days after the end of a period (an office's choice; no official deadline is assumed)
NTM_REPORT_DUE_DAYS = int(os.environ.get("NTM_REPORT_DUE_DAYS", "10"))

# Background jobs (full re-evaluation): django-tasks with the database backend; the worker is
# ``ntm manage db_worker`` (started by ``ntm serve``).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = NTM_HOME / "static"
STATICFILES_DIRS = [BASE_DIR / "web" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = NTM_HOME / "media"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_PARSER_CLASSES": [
        "ntm.apps.api.base.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NTM Monitor API",
    "VERSION": "1",
    # the error answers every operation may give, and the token scheme (ntm.apps.api.schema)
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "ntm.apps.api.schema.document_errors"],
}
# API tokens (django-rest-knox, see ntm.apps.accounts.tokens): stored as digests, valid
# NTM_API_TOKEN_DAYS days (default 30), at most 20 unexpired tokens per user
KNOX_TOKEN_MODEL = "accounts.ApiToken"
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=float(os.environ.get("NTM_API_TOKEN_DAYS") or 30)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
}

LOGIN_URL = "login"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("NTM_LOG_LEVEL", "WARNING")},
}

# ==== Uploaded tables and import files (issue 18 — owner: uploads; see docs/security.md) ==========
# Bounds of every uploaded table (ntm.core.tables.Limits; the defaults are there and in
# docs/security.md). Each may be set from the environment: NTM_UPLOAD_MAX_ROWS, _MAX_COLUMNS, _MAX_CELLS,
# _MAX_RATIO, _MAX_SECONDS, and in MB _MAX_FILE_MB, _MAX_UNZIPPED_MB, _MAX_TEXT_MB.
_UPLOAD_BOUNDS = {
    "max_rows": ("ROWS", 1),
    "max_columns": ("COLUMNS", 1),
    "max_cells": ("CELLS", 1),
    "max_ratio": ("RATIO", 1),
    "max_seconds": ("SECONDS", 1),
    "max_file_bytes": ("FILE_MB", 1 << 20),
    "max_unzipped_bytes": ("UNZIPPED_MB", 1 << 20),
    "max_text_bytes": ("TEXT_MB", 1 << 20),
}
NTM_UPLOAD_LIMITS = {
    key: int(float(os.environ[f"NTM_UPLOAD_MAX_{env}"]) * unit)
    for key, (env, unit) in _UPLOAD_BOUNDS.items()
    if os.environ.get(f"NTM_UPLOAD_MAX_{env}")
}
# an import file not confirmed within this many hours is removed; each user may hold this many files
# (and MB) waiting for confirmation
NTM_IMPORT_EXPIRY_HOURS = float(os.environ.get("NTM_IMPORT_EXPIRY_HOURS") or 24)
NTM_IMPORT_QUOTA_FILES = int(os.environ.get("NTM_IMPORT_QUOTA_FILES") or 5)
NTM_IMPORT_QUOTA_MB = int(os.environ.get("NTM_IMPORT_QUOTA_MB") or 200)
# ==== end of the uploads block =====================================================================

# The API's request rates (default) and the figures and pages kept until the data they show changes
# ("pages": live objects per process, see ntm.web.cache): an entry lives NTM_MEMO_SECONDS at most, a
# process keeps entries up to NTM_MEMO_WEIGHT (about one unit of weight per commune held).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "ntm.web.cache.ObjectCache",
        "TIMEOUT": float(os.environ.get("NTM_MEMO_SECONDS") or 300),
        "OPTIONS": {"MAX_WEIGHT": int(os.environ.get("NTM_MEMO_WEIGHT") or 60_000)},
    },
}

# ==== Security and operations (issue 7 — owner: security; see docs/security.md) ==================
# Keep this block LAST: it adjusts what is above (apps, middleware, password rules, logging).
from ntm.apps.ops.conf import security_settings as _security_settings  # noqa: E402
from ntm.apps.ops.conf import with_ops_middleware as _with_ops_middleware  # noqa: E402

if "ntm.apps.ops" not in INSTALLED_APPS:
    INSTALLED_APPS += ["ntm.apps.ops"]
MIDDLEWARE = _with_ops_middleware(MIDDLEWARE)
globals().update(
    _security_settings(DEBUG, os.environ, NTM_HOME, globals().get("CACHES"), globals().get("REST_FRAMEWORK"))
)
# ==== end of the security block ===================================================================
