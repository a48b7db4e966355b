"""The security settings of a deployment, computed from DEBUG and the environment.

``ntm.web.settings`` applies :func:`security_settings` in its last block; tests call it directly with
``debug=False`` to check what a production instance gets. Environment:

- ``NTM_SECRET_KEY``           the key that signs sessions and tokens; unset, a random key is created
                               once in ``NTM_HOME/secret_key`` (mode 0600) and used by every process
                               that shares that folder (:func:`secret_key`) — never a public default;
- ``NTM_HTTPS=1``              the site is served over HTTPS (directly or behind a proxy that sets
                               ``X-Forwarded-Proto``): HSTS, redirect to HTTPS, proxy header trusted,
                               cookies Secure;
- ``NTM_SSL_REDIRECT=0``       with NTM_HTTPS=1, leave the http→https redirect to the proxy;
- ``NTM_HSTS_SECONDS``         HSTS max-age (default one year; start lower when trying HTTPS out);
- ``NTM_COOKIE_SECURE=1``      Secure cookies without NTM_HTTPS (HTTPS ended elsewhere); ``0`` never;
- ``NTM_CSRF_TRUSTED_ORIGINS`` comma-separated, e.g. ``https://ntm.example.gov.vn``;
- ``NTM_SESSION_HOURS``        session lifetime (default 12 hours);
- ``NTM_MAX_UPLOAD_MB``        largest request body accepted (default 60 MB → 413 above);
- ``NTM_API_ANON_RATE``, ``NTM_API_USER_RATE`` API requests per client (default 120/minute, 6000/minute);
- ``NTM_LOG_FORMAT=text``      plain text logs instead of JSON lines; ``NTM_LOG_LEVEL`` (root, default
                               WARNING), ``NTM_APP_LOG_LEVEL`` (the ``ntm`` loggers, default INFO).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

from .jsonlog import logging_config

MIN_PASSWORD_LENGTH = 10


def _flag(env: Mapping, name: str, default: bool) -> bool:
    v = env.get(name)
    if v is None or v == "":
        return default
    return v.strip().lower() in ("1", "true", "yes", "on")


SECRET_KEY_FILE = "secret_key"


def secret_key(env: Mapping[str, str], home: Path) -> str:
    """``NTM_SECRET_KEY``, or the key kept in ``home/secret_key``, created on first use: 50 random
    characters, mode 0600, written to a private temporary file and linked into place, so that processes
    starting together (gunicorn workers, the task worker) all read one complete key."""
    key = (env.get("NTM_SECRET_KEY") or "").strip()
    if key:
        return key
    home = Path(home)
    path = home / SECRET_KEY_FILE
    for _ in range(50):
        try:
            key = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            key = ""
        if key:
            return key
        if not path.exists():
            home.mkdir(parents=True, exist_ok=True)
            tmp = home / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(tmp, path)  # fails if another process got there first: then its key is used
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
            continue
        time.sleep(0.1)  # an empty file: someone else's partial write (should not happen with link)
    raise RuntimeError(f"{path}: the secret key file is empty; remove it or set NTM_SECRET_KEY")


def password_validators() -> list[dict]:
    return [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": MIN_PASSWORD_LENGTH},
        },
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]


# The API authenticates by token or session only: HTTP Basic would let anyone try passwords on every
# endpoint, outside the log-in throttle; and a view that forgets its permission class is closed.
REST_FRAMEWORK_SECURITY = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ntm.apps.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}


# Requests per client to the API (DRF throttles, counted per process in the default cache: with N
# worker processes a client gets at most N times the rate). Anonymous clients reach only the token
# endpoint and the schema; the log-in throttle bounds password guesses on the token endpoint.
DEFAULT_API_ANON_RATE = "120/minute"
DEFAULT_API_USER_RATE = "6000/minute"


def api_throttling(env: Mapping[str, str]) -> dict:
    """``NTM_API_ANON_RATE`` / ``NTM_API_USER_RATE`` (e.g. ``60/minute``, ``1000/hour``; ``none``: no limit)."""
    rates = {
        "anon": (env.get("NTM_API_ANON_RATE") or DEFAULT_API_ANON_RATE).strip(),
        "user": (env.get("NTM_API_USER_RATE") or DEFAULT_API_USER_RATE).strip(),
    }
    rates = {k: (None if v.lower() == "none" else v) for k, v in rates.items()}
    return {
        "DEFAULT_THROTTLE_CLASSES": [
            "rest_framework.throttling.AnonRateThrottle",
            "rest_framework.throttling.UserRateThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": rates,
    }


def security_settings(
    debug: bool, env: Mapping[str, str], home: Path, caches: dict | None = None, rest_framework: dict | None = None
) -> dict:
    https = _flag(env, "NTM_HTTPS", False)
    # Secure cookies whenever the site says it is served over HTTPS; a browser would not send them
    # back over the plain HTTP of ./run on 127.0.0.1
    secure_cookies = _flag(env, "NTM_COOKIE_SECURE", https)
    max_mb = int(env.get("NTM_MAX_UPLOAD_MB") or 60)
    s: dict = {
        # cookies: never readable by scripts, not sent on cross-site sub-requests; Secure when DEBUG is off
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_AGE": int(float(env.get("NTM_SESSION_HOURS") or 12) * 3600),
        "CSRF_COOKIE_HTTPONLY": True,  # htmx and the forms take the token from the page, not the cookie
        "CSRF_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": secure_cookies,
        "CSRF_TRUSTED_ORIGINS": [
            o.strip() for o in (env.get("NTM_CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()
        ],
        # headers (Django's SecurityMiddleware / XFrameOptionsMiddleware, and ops.SecurityHeadersMiddleware)
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        # request size: form fields in memory, files streamed to disk above 5 MB, whole body capped
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 10 * 1024 * 1024,
        "FILE_UPLOAD_MAX_MEMORY_SIZE": 5 * 1024 * 1024,
        "DATA_UPLOAD_MAX_NUMBER_FIELDS": 2000,
        "DATA_UPLOAD_MAX_NUMBER_FILES": 100,
        "NTM_MAX_REQUEST_BYTES": max_mb * 1024 * 1024,
        "FILE_UPLOAD_HANDLERS": [
            "ntm.apps.ops.middleware.SizeLimitUploadHandler",
            "django.core.files.uploadhandler.MemoryFileUploadHandler",
            "django.core.files.uploadhandler.TemporaryFileUploadHandler",
        ],
        "FILE_UPLOAD_PERMISSIONS": 0o640,
        "FILE_UPLOAD_DIRECTORY_PERMISSIONS": 0o750,
        "AUTH_PASSWORD_VALIDATORS": password_validators(),
        "LOGGING": logging_config(
            level=env.get("NTM_APP_LOG_LEVEL") or "INFO",
            root_level=env.get("NTM_LOG_LEVEL") or "WARNING",
            json_lines=(env.get("NTM_LOG_FORMAT") or "json") != "text",
        ),
    }
    if https:
        s.update(
            {
                "SECURE_SSL_REDIRECT": _flag(env, "NTM_SSL_REDIRECT", True),
                "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
                "SECURE_HSTS_SECONDS": int(env.get("NTM_HSTS_SECONDS") or 31536000),
                "SECURE_HSTS_INCLUDE_SUBDOMAINS": _flag(env, "NTM_HSTS_INCLUDE_SUBDOMAINS", True),
                "SECURE_HSTS_PRELOAD": False,
                # /healthz is polled over plain HTTP by local monitors
                "SECURE_REDIRECT_EXEMPT": [r"^healthz$"],
            }
        )
    # the log-in throttle counts in the database (ntm.apps.ops.throttle), shared by every worker and host;
    # the default cache (per process) holds the API's request rates and the kept pages
    caches = dict(caches or {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
    s["CACHES"] = caches
    s["REST_FRAMEWORK"] = {**(rest_framework or {}), **REST_FRAMEWORK_SECURITY, **api_throttling(env)}
    return s


# where the ops middleware goes in MIDDLEWARE
OUTER = [
    "ntm.apps.ops.middleware.RequestSizeLimitMiddleware",
    "ntm.apps.ops.middleware.SecurityHeadersMiddleware",
    "ntm.apps.ops.middleware.BadParameterMiddleware",
]
# The audit middleware (binds who/IP to audit events, records every 403) and the log-in-required
# middleware (every page needs a log-in unless marked ``login_not_required``; the API answers 401/403
# itself) belong to every deployment: without them an anonymous visitor reaches the views.
AFTER_AUTH = [
    "ntm.apps.ops.middleware.LoginThrottleMiddleware",
    "ntm.apps.ops.middleware.AccessLogMiddleware",
    "ntm.apps.audit.middleware.AuditMiddleware",
    "ntm.apps.accounts.middleware.LoginRequiredMiddleware",
]


def with_ops_middleware(middleware: list[str]) -> list[str]:
    """MIDDLEWARE with the ops middleware: size limit and headers right after SecurityMiddleware (or
    first), throttle and access log right after AuthenticationMiddleware. Idempotent."""
    out = [m for m in middleware if m not in OUTER + AFTER_AUTH]
    sec = "django.middleware.security.SecurityMiddleware"
    i = out.index(sec) + 1 if sec in out else 0
    out[i:i] = OUTER
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    j = out.index(auth) + 1 if auth in out else len(out)
    out[j:j] = AFTER_AUTH
    return out
