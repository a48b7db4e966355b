"""Log-in throttling: after repeated failed log-ins, further attempts are refused for a while.

Failures are counted in a cache (``settings.NTM_LOGIN_THROTTLE["cache"]``, by default the
``throttle`` alias that ``ntm.web.settings`` points at a file-based cache under ``NTM_HOME`` so that
every gunicorn worker of one host shares the counters) under three keys, each with its own limit:

- the pair (user name, client address) — a person mistyping, or a guesser on one address;
- the user name alone, whatever the address — a distributed guess against one account;
- the client address alone, whatever the name — one address trying many accounts.

While a key is over its limit, a log-in attempt (POST to one of ``NTM_LOGIN_THROTTLE["paths"]``: the
log-in page, the admin log-in and the API token endpoint) is answered with 429 without checking the
password, so a correct guess during the lock-out reveals nothing. A successful log-in clears the
pair and the user-name counters. Failures are counted from Django's ``user_login_failed`` signal,
so every way of logging in (page, admin, API token) counts.

Plugging it in (done in ``ntm.web.settings``): ``ntm.apps.ops.middleware.LoginThrottleMiddleware``
in ``MIDDLEWARE`` and ``ntm.apps.ops`` in ``INSTALLED_APPS`` (which connects the signals). A view
that authenticates by other means can call :func:`check` before and :func:`record_failure` /
:func:`record_success` after.

The client address is ``REMOTE_ADDR``: behind a reverse proxy, have the proxy pass the real address
(gunicorn ``--forwarded-allow-ips``), otherwise every client shares the proxy's address.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import InvalidCacheBackendError, caches

logger = logging.getLogger("ntm.security")

DEFAULTS = {
    "cache": "throttle",
    "window": 15 * 60,          # seconds: failures older than this are forgotten; also the lock-out time
    "per_user_ip": 5,           # failures of one user name from one address
    "per_user": 20,             # failures of one user name from any address
    "per_ip": 50,               # failures from one address, any user name
    "paths": None,              # None: the URLs named below, resolved at first use
    "url_names": ("login", "admin:login", "api-token"),
    "username_fields": ("username",),
}


def config() -> dict:
    return {**DEFAULTS, **getattr(settings, "NTM_LOGIN_THROTTLE", {})}


def login_paths() -> tuple[str, ...]:
    cfg = config()
    if cfg["paths"] is not None:
        return tuple(cfg["paths"])
    from django.urls import NoReverseMatch, reverse

    out = []
    for name in cfg["url_names"]:
        try:
            out.append(reverse(name))
        except NoReverseMatch:
            continue
    return tuple(out)


def _cache():
    name = config()["cache"]
    try:
        return caches[name]
    except InvalidCacheBackendError:
        return caches["default"]


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR") or "").strip() or "-"


def _norm(username: str | None) -> str:
    return (username or "").strip().casefold()[:150]


def _keys(username: str | None, ip: str) -> dict[str, str]:
    def h(*parts: str) -> str:  # user names may hold characters a cache key may not
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]

    u = _norm(username)
    keys = {"per_ip": f"ntm-login:ip:{h(ip)}"}
    if u:
        keys["per_user"] = f"ntm-login:u:{h(u)}"
        keys["per_user_ip"] = f"ntm-login:uip:{h(u, ip)}"
    return keys


@dataclass(frozen=True)
class Lockout:
    reason: str          # which limit: per_user_ip, per_user, per_ip
    retry_after: int     # seconds

    @property
    def message(self) -> str:
        minutes = max(1, (self.retry_after + 59) // 60)
        return (f"Đăng nhập sai quá nhiều lần. Vì an toàn, hãy thử lại sau khoảng {minutes} phút "
                "hoặc liên hệ quản trị viên để đặt lại mật khẩu.")


def _failures(value) -> list[float]:
    return [t for t in (value or []) if isinstance(t, (int, float))]


def check(username: str | None, ip: str) -> Lockout | None:
    """The lock-out in force for this user name and address, or None."""
    cfg = config()
    now = time.time()
    cache = _cache()
    keys = _keys(username, ip)
    stored = cache.get_many(list(keys.values()))
    worst: Lockout | None = None
    for kind, key in keys.items():
        recent = [t for t in _failures(stored.get(key)) if t > now - cfg["window"]]
        if len(recent) >= cfg[kind]:
            retry = int(recent[-cfg[kind]] + cfg["window"] - now) + 1
            if worst is None or retry > worst.retry_after:
                worst = Lockout(kind, retry)
    return worst


def record_failure(username: str | None, ip: str) -> None:
    cfg = config()
    now = time.time()
    cache = _cache()
    keys = _keys(username, ip)
    stored = cache.get_many(list(keys.values()))
    updates = {}
    for kind, key in keys.items():
        recent = [t for t in _failures(stored.get(key)) if t > now - cfg["window"]]
        recent.append(now)
        updates[key] = recent[-max(cfg[kind], 1) * 2:]  # enough to know when the oldest counted one expires
    cache.set_many(updates, timeout=cfg["window"])
    lock = check(username, ip)
    if lock is not None:
        logger.warning("login throttled", extra={"event": "login_throttled", "user": _norm(username) or None,
                                                  "ip": ip, "limit": lock.reason, "retry_after": lock.retry_after})


def record_success(username: str | None, ip: str) -> None:
    keys = _keys(username, ip)
    _cache().delete_many([k for kind, k in keys.items() if kind != "per_ip"])


def reset() -> None:
    """Forget every counter (tests; an operator after a false alarm: ``ntm manage shell -c ...``)."""
    _cache().clear()


def attempted_username(request) -> str:
    for f in config()["username_fields"]:
        v = request.POST.get(f) if request.method == "POST" else None
        if v:
            return str(v)
    if request.content_type == "application/json":
        import json

        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return ""
        if isinstance(data, dict):
            return str(data.get("username") or "")
    return ""


# -- signals: every authentication attempt counts, whatever the view ---------------------------
def _on_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    record_failure(str((credentials or {}).get("username", "")), client_ip(request))


def _on_logged_in(sender, request, user, **kwargs):
    if request is not None and user is not None:
        record_success(user.get_username(), client_ip(request))


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    user_login_failed.connect(_on_failed, dispatch_uid="ntm_ops_throttle_failed")
    user_logged_in.connect(_on_logged_in, dispatch_uid="ntm_ops_throttle_success")
