"""The security settings of a deployment, computed from DEBUG and the environment.

``ntm.web.settings`` applies :func:`security_settings` in its last block; tests call it directly with
``debug=False`` to check what a production instance gets. Environment:

- ``NTM_HTTPS=1``              the site is served over HTTPS (directly or behind a proxy that sets
                               ``X-Forwarded-Proto``): HSTS, redirect to HTTPS, proxy header trusted;
- ``NTM_SSL_REDIRECT=0``       with NTM_HTTPS=1, leave the http→https redirect to the proxy;
- ``NTM_HSTS_SECONDS``         HSTS max-age (default one year; start lower when trying HTTPS out);
- ``NTM_COOKIE_SECURE=0``      (not supported) send the session cookie over plain HTTP although
                               DEBUG is off — only for a closed test network;
- ``NTM_CSRF_TRUSTED_ORIGINS`` comma-separated, e.g. ``https://ntm.example.gov.vn``;
- ``NTM_SESSION_HOURS``        session lifetime (default 12 hours);
- ``NTM_MAX_UPLOAD_MB``        largest request body accepted (default 60 MB → 413 above);
- ``NTM_LOG_FORMAT=text``      plain text logs instead of JSON lines; ``NTM_LOG_LEVEL`` (root, default
                               WARNING), ``NTM_APP_LOG_LEVEL`` (the ``ntm`` loggers, default INFO).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .jsonlog import logging_config

MIN_PASSWORD_LENGTH = 10


def _flag(env: Mapping, name: str, default: bool) -> bool:
    v = env.get(name)
    if v is None or v == "":
        return default
    return v.strip().lower() in ("1", "true", "yes", "on")


def password_validators() -> list[dict]:
    return [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
         "OPTIONS": {"min_length": MIN_PASSWORD_LENGTH}},
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]


# The API authenticates by token or session only: HTTP Basic would let anyone try passwords on every
# endpoint, outside the log-in throttle; and a view that forgets its permission class is closed.
REST_FRAMEWORK_SECURITY = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["ntm.apps.accounts.tokens.TokenAuthentication",
                                       "rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}


def security_settings(debug: bool, env: Mapping[str, str], home: Path, caches: dict | None = None,
                      rest_framework: dict | None = None) -> dict:
    https = _flag(env, "NTM_HTTPS", False)
    secure_cookies = (not debug) and _flag(env, "NTM_COOKIE_SECURE", True)
    max_mb = int(env.get("NTM_MAX_UPLOAD_MB") or 60)
    s: dict = {
        # cookies: never readable by scripts, not sent on cross-site sub-requests; Secure when DEBUG is off
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_AGE": int(float(env.get("NTM_SESSION_HOURS") or 12) * 3600),
        "CSRF_COOKIE_HTTPONLY": True,   # htmx and the forms take the token from the page, not the cookie
        "CSRF_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": secure_cookies,
        "CSRF_TRUSTED_ORIGINS": [o.strip() for o in (env.get("NTM_CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()],
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
        "LOGGING": logging_config(level=env.get("NTM_APP_LOG_LEVEL") or "INFO",
                                  root_level=env.get("NTM_LOG_LEVEL") or "WARNING",
                                  json_lines=(env.get("NTM_LOG_FORMAT") or "json") != "text"),
    }
    if https:
        s.update({
            "SECURE_SSL_REDIRECT": _flag(env, "NTM_SSL_REDIRECT", True),
            "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
            "SECURE_HSTS_SECONDS": int(env.get("NTM_HSTS_SECONDS") or 31536000),
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": _flag(env, "NTM_HSTS_INCLUDE_SUBDOMAINS", True),
            "SECURE_HSTS_PRELOAD": False,
            # /healthz is polled over plain HTTP by local monitors
            "SECURE_REDIRECT_EXEMPT": [r"^healthz$"],
        })
    # log-in throttle counters: shared by every worker of the host (file cache) unless DEBUG
    caches = dict(caches or {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
    if "throttle" not in caches:
        caches["throttle"] = (
            {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ntm-throttle"} if debug else
            {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(home / "cache" / "throttle")}
        )
    s["CACHES"] = caches
    s["REST_FRAMEWORK"] = {**(rest_framework or {}), **REST_FRAMEWORK_SECURITY}
    return s


# where the ops middleware goes in MIDDLEWARE
OUTER = ["ntm.apps.ops.middleware.RequestSizeLimitMiddleware", "ntm.apps.ops.middleware.SecurityHeadersMiddleware"]
# The audit middleware (binds who/IP to audit events, records every 403) and the log-in-required
# middleware (every page needs a log-in unless marked ``login_not_required``; the API answers 401/403
# itself) belong to every deployment: without them an anonymous visitor reaches the views.
AFTER_AUTH = ["ntm.apps.ops.middleware.LoginThrottleMiddleware", "ntm.apps.ops.middleware.AccessLogMiddleware",
              "ntm.apps.audit.middleware.AuditMiddleware", "ntm.apps.accounts.middleware.LoginRequiredMiddleware"]


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
