"""Hardening middleware (wired in ``ntm.web.settings``; see docs/security.md):

- :class:`RequestSizeLimitMiddleware` — refuses a request body larger than ``NTM_MAX_REQUEST_BYTES``
  (413) before anything reads it, a NUL character, and JSON nested deeper than ``NTM_MAX_JSON_DEPTH``
  (default 64; Python's parser would raise RecursionError: a 500) with 400; place it right after
  ``SecurityMiddleware``;
- :class:`BadParameterMiddleware` — 400 with the message of a :class:`ntm.apps.ops.params.BadParameter`
  (a URL parameter that is not the whole number it should be);
- :class:`SecurityHeadersMiddleware` — Content-Security-Policy (no inline script, no ``eval``),
  Permissions-Policy, and the headers Django's own middleware sets (nosniff, Referrer-Policy,
  X-Frame-Options DENY, Cross-Origin-Opener-Policy) even if those are removed from the settings;
- :class:`LoginThrottleMiddleware` — 429 for log-in attempts while a lock-out is in force
  (:mod:`ntm.apps.ops.throttle`); place after ``AuthenticationMiddleware``;
- :class:`AccessLogMiddleware` — one JSON line on ``ntm.access`` per write request and per denied
  request (who, method, path, view, unit, status).
"""

from __future__ import annotations

import json
import logging
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from . import throttle

security_log = logging.getLogger("ntm.security")
access_log = logging.getLogger("ntm.access")

DEFAULT_MAX_REQUEST_BYTES = 60 * 1024 * 1024

# No 'unsafe-inline' and no 'unsafe-eval' for scripts: the templates load htmx and entry.js from
# /static/ and carry no inline <script> or on*= handler (tests/security/test_web.py checks both).
# Styles: the templates use style="" attributes and htmx inserts its indicator <style>, hence
# 'unsafe-inline' for styles only (CSS cannot run code).
DEFAULT_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
DEFAULT_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def max_request_bytes() -> int:
    return int(getattr(settings, "NTM_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))


def csp_header() -> str:
    policy = {**DEFAULT_CSP, **getattr(settings, "NTM_CSP", {})}
    return "; ".join(f"{k} {v}".strip() for k, v in policy.items() if v is not None)


def _too_big(request, size: int | None) -> HttpResponse:
    limit = max_request_bytes()
    security_log.warning(
        "request too large",
        extra={
            "event": "request_too_large",
            "path": request.path,
            "method": request.method,
            "size": size,
            "limit": limit,
            "ip": request.META.get("REMOTE_ADDR"),
        },
    )
    mb = f"{limit / 1024 / 1024:.0f}"
    message = f"Dữ liệu gửi lên quá lớn (tối đa {mb} MB)."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size > max_request_bytes():
            return _too_big(request, size)
        field = _nul_field(request)
        if field is not None:
            return _bad_characters(request, field)
        if _too_deep(request):
            return _refuse_400(
                request, f"Dữ liệu JSON lồng nhau quá sâu (tối đa {max_json_depth()} cấp).", "json_too_deep"
            )
        return self.get_response(request)


DEFAULT_MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def max_json_depth() -> int:
    return int(getattr(settings, "NTM_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH))


def json_depth(body: bytes, limit: int) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings do not count), counted
    without recursion; stops at ``limit + 1``."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return 0
    depth = deepest = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if m.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def _too_deep(request) -> bool:
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    if "json" not in request.META.get("CONTENT_TYPE", "").lower():
        return False
    limit = max_json_depth()
    return json_depth(request.body, limit) > limit


def _refuse_400(request, message: str, event: str) -> HttpResponse:
    security_log.warning(
        "bad request refused",
        extra={
            "event": event,
            "path": request.path[:300],
            "method": request.method,
            "ip": request.META.get("REMOTE_ADDR"),
        },
    )
    if request.path.startswith("/api/") or "json" in request.META.get("CONTENT_TYPE", "").lower():
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class BadParameterMiddleware:
    """A URL parameter that is not what the view expects (:mod:`ntm.apps.ops.params`): 400 with a message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .params import BadParameter

        if isinstance(exception, BadParameter):
            return _refuse_400(request, exception.message, "bad_parameter")
        return None


def _nul_field(request) -> str | None:
    """Where a NUL character is, if anywhere: "" for the path, the query or a JSON/URL-encoded body, the
    field's name in a multipart form (a field's name, its values, an uploaded file's name). No legitimate
    input has one, and PostgreSQL refuses it in text columns (a 500 instead of a clear refusal)."""
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return ""
    if request.method in ("POST", "PUT", "PATCH"):
        ctype = request.META.get("CONTENT_TYPE", "")
        if ctype.startswith("application/json"):
            return "" if b"\\u0000" in request.body or b"\x00" in request.body else None
        if ctype.startswith("application/x-www-form-urlencoded"):
            return "" if b"%00" in request.body or b"\x00" in request.body else None
        if ctype.startswith("multipart/form-data"):  # parsed (within the upload handlers' size limit)
            for key, values in request.POST.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    return key.replace("\x00", "\\x00")[:100]
            for key, files in request.FILES.lists():
                if "\x00" in key or any("\x00" in (f.name or "") for f in files):
                    return key.replace("\x00", "\\x00")[:100]
    return None


def _bad_characters(request, field: str = "") -> HttpResponse:
    security_log.warning(
        "NUL character refused",
        extra={
            "event": "bad_characters",
            "path": request.path.replace("\x00", "\\0"),
            "method": request.method,
            "ip": request.META.get("REMOTE_ADDR"),
        },
    )
    message = "Dữ liệu gửi lên chứa ký tự không hợp lệ (NUL, mã 0)" + (f" ở trường '{field}'." if field else ".")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class SizeLimitUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: stops a multipart body that grows past the limit even when
    the client sent no (or a false) Content-Length. Django answers 400 (RequestDataTooBig)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > max_request_bytes():
            raise RequestDataTooBig(f"upload larger than {max_request_bytes()} bytes")
        return raw_data

    def file_complete(self, file_size):
        return None


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(settings, "NTM_CSP_ENABLED", True) and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp_header()
        response.headers.setdefault(
            "Permissions-Policy", getattr(settings, "NTM_PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault(
            "Referrer-Policy", getattr(settings, "SECURE_REFERRER_POLICY", None) or "same-origin"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response


class LoginThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: tuple[str, ...] | None = None

    def __call__(self, request):
        if request.method == "POST":
            if self._paths is None:
                self._paths = throttle.login_paths()
            if request.path_info in self._paths:
                username = throttle.attempted_username(request)
                reservation, lock = throttle.reserve(username, throttle.client_ip(request))
                if lock is not None:
                    return self._refuse(request, username, lock)
                setattr(request, throttle.RESERVATION, reservation)
                try:
                    return self.get_response(request)
                finally:
                    throttle.release(reservation)
        return self.get_response(request)

    def _refuse(self, request, username: str, lock: throttle.Lockout) -> HttpResponse:
        security_log.warning(
            "login refused while locked out",
            extra={
                "event": "login_locked_out",
                "user": username or None,
                "ip": throttle.client_ip(request),
                "limit": lock.reason,
                "retry_after": lock.retry_after,
                "path": request.path,
            },
        )
        headers = {"Retry-After": str(lock.retry_after)}
        if request.path.startswith("/api/") or request.content_type == "application/json":
            return JsonResponse({"detail": lock.message}, status=429, headers=headers)
        html = render_to_string("ops/throttled.html", {"message": lock.message}, request=request)
        return HttpResponse(html, status=429, headers=headers)


def _unit_of(request, response) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.kwargs.get("uid"):
        return str(match.kwargs["uid"])[:64]
    for data in (getattr(request, "_post", None), request.GET):
        if data is not None and data.get("unit"):
            return str(data.get("unit"))[:64]
    return None


class AccessLogMiddleware:
    WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
    DENIED = {401, 403, 429}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        write = request.method in self.WRITE_METHODS
        if not write and status not in self.DENIED:
            return response
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        extra = {
            "event": "denied" if status in self.DENIED else "write",
            "user": user.get_username() if getattr(user, "is_authenticated", False) else None,
            "method": request.method,
            "path": request.path[:300],
            "view": match.view_name if match is not None else None,
            "unit": _unit_of(request, response),
            "status": status,
            "ip": request.META.get("REMOTE_ADDR"),
        }
        level = logging.WARNING if status in self.DENIED or status >= 500 else logging.INFO
        access_log.log(level, json.dumps(extra, ensure_ascii=False, separators=(",", ":")))
        return response
