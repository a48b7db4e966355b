"""Log-in throttling: after repeated failed log-ins, further attempts are refused for a while.

Failures are rows of the database (:class:`~ntm.apps.ops.models.LoginFailure`), so that every worker
of every host counts the same ones — 5 means 5, however many processes answer — under three keys, each
with its own limit:

- the pair (user name, client address) — a person mistyping, or a guesser on one address;
- the user name alone, whatever the address — a distributed guess against one account;
- the client address alone, whatever the name — one address trying many accounts.

While a key is over its limit, a log-in attempt (POST to one of ``NTM_LOGIN_THROTTLE["paths"]``: the
log-in page, the admin log-in and the API token endpoint) is answered with 429 without checking the
password, so a correct guess during the lock-out reveals nothing. Each attempt is written down
*before* the password is checked (:func:`reserve`) and counted with the failures: many attempts sent
at once through several workers cannot get more guesses than the limit. The attempt becomes a
failure when Django's ``user_login_failed`` signal fires (every way of logging in — page, admin, API
token — sends it), is cleared with the pair and user-name failures by a successful log-in, and is
removed when the request checked no password at all.

Why not django-axes: it has one failure limit for all its lock-out keys (either a guesser gets 5
tries per address, or anyone can lock any account out with 5), and counts a failure only after the
check, so parallel attempts pass it.

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

logger = logging.getLogger("ntm.security")

DEFAULTS = {
    "window": 15 * 60,  # seconds: failures older than this are forgotten; also the lock-out time
    "per_user_ip": 5,  # failures of one user name from one address
    "per_user": 20,  # failures of one user name from any address
    "per_ip": 50,  # failures from one address, any user name
    "paths": None,  # None: the URLs named below, resolved at first use
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
    reason: str  # which limit: per_user_ip, per_user, per_ip
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, (self.retry_after + 59) // 60)
        return (
            f"Đăng nhập sai quá nhiều lần. Vì an toàn, hãy thử lại sau khoảng {minutes} phút "
            "hoặc liên hệ quản trị viên để đặt lại mật khẩu."
        )


def _recent(keys: dict[str, str], now: float, window: float) -> dict[str, list[float]]:
    from .models import LoginFailure

    out: dict[str, list[float]] = {k: [] for k in keys.values()}
    for key, at in (
        LoginFailure.objects.filter(key__in=list(keys.values()), at__gt=now - window)
        .order_by("at")
        .values_list("key", "at")
    ):
        out[key].append(at)
    return out


def _lockout(keys: dict[str, str], recent: dict[str, list[float]], now: float, cfg: dict) -> Lockout | None:
    worst: Lockout | None = None
    for kind, key in keys.items():
        times = recent[key]
        if len(times) >= cfg[kind]:
            retry = int(times[-cfg[kind]] + cfg["window"] - now) + 1
            if worst is None or retry > worst.retry_after:
                worst = Lockout(kind, retry)
    return worst


def check(username: str | None, ip: str) -> Lockout | None:
    """The lock-out in force for this user name and address, or None."""
    cfg = config()
    now = time.time()
    keys = _keys(username, ip)
    return _lockout(keys, _recent(keys, now, cfg["window"]), now, cfg)


@dataclass
class Reservation:
    """An attempt written down before its password is checked: ``outcome`` is set by the signals."""

    ids: list[int]
    username: str
    ip: str
    outcome: str | None = None  # "failed" / "succeeded"


def reserve(username: str | None, ip: str) -> tuple[Reservation | None, Lockout | None]:
    """Write the attempt down under every key, then count: over a limit, the attempt is removed again
    and refused (the Lockout); otherwise it goes on, counted, until it is known to have failed."""
    from .models import LoginFailure

    cfg = config()
    now = time.time()
    keys = _keys(username, ip)
    LoginFailure.objects.filter(at__lt=now - cfg["window"]).delete()  # forgotten: older than the window
    rows = LoginFailure.objects.bulk_create([LoginFailure(key=k, at=now) for k in keys.values()])
    ids = [r.pk for r in rows if r.pk is not None] or list(
        LoginFailure.objects.filter(key__in=list(keys.values()), at=now).values_list("pk", flat=True)
    )
    # counted with every attempt written down so far, this one included: refused when the others
    # reach a limit (two attempts racing for the last try are both refused: closed, not open)
    counted = _recent(keys, time.time(), cfg["window"] + 1)
    others = {k: times[1:] for k, times in counted.items()}  # all but one: this attempt
    lock = _lockout(keys, others, now, cfg)
    if lock is not None:
        LoginFailure.objects.filter(pk__in=ids).delete()
        return None, check(username, ip) or lock
    return Reservation(ids, _norm(username), ip), None


def release(reservation: Reservation) -> None:
    """The request ends: an attempt that did not fail is not a failure."""
    from .models import LoginFailure

    if reservation.outcome != "failed":
        LoginFailure.objects.filter(pk__in=reservation.ids).delete()


def record_failure(username: str | None, ip: str) -> None:
    from .models import LoginFailure

    cfg = config()
    now = time.time()
    keys = _keys(username, ip)
    LoginFailure.objects.filter(at__lt=now - cfg["window"]).delete()  # forgotten: older than the window
    LoginFailure.objects.bulk_create([LoginFailure(key=k, at=now) for k in keys.values()])
    _log_if_locked(username, ip)


def _log_if_locked(username: str | None, ip: str) -> None:
    lock = check(username, ip)
    if lock is not None:
        logger.warning(
            "login throttled",
            extra={
                "event": "login_throttled",
                "user": _norm(username) or None,
                "ip": ip,
                "limit": lock.reason,
                "retry_after": lock.retry_after,
            },
        )


def record_success(username: str | None, ip: str) -> None:
    from .models import LoginFailure

    keys = _keys(username, ip)
    LoginFailure.objects.filter(key__in=[k for kind, k in keys.items() if kind != "per_ip"]).delete()


def reset() -> None:
    """Forget every counter (tests; an operator after a false alarm: ``ntm manage shell -c ...``)."""
    from django.core.cache import cache

    from .models import LoginFailure

    LoginFailure.objects.all().delete()
    cache.clear()  # the API's request rates (DRF throttles) count in the default cache


def attempted_username(request) -> str:
    for f in config()["username_fields"]:
        v = request.POST.get(f) if request.method == "POST" else None
        if v:
            return str(v)
    if request.content_type == "application/json":
        import json

        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: refused before (middleware)
            return ""
        if isinstance(data, dict):
            return str(data.get("username") or "")
    return ""


# -- signals: every authentication attempt counts, whatever the view ---------------------------
RESERVATION = "_ntm_login_attempt"  # the request attribute holding the attempt's Reservation


def _on_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    username = str((credentials or {}).get("username", ""))
    reservation = getattr(request, RESERVATION, None)
    if reservation is not None and reservation.outcome is None and _norm(username) == reservation.username:
        reservation.outcome = "failed"  # the attempt written down before is the failure
        _log_if_locked(username, reservation.ip)
        return
    record_failure(username, client_ip(request))


def _on_logged_in(sender, request, user, **kwargs):
    if request is not None and user is not None:
        reservation = getattr(request, RESERVATION, None)
        if reservation is not None:
            reservation.outcome = "succeeded"
            release(reservation)
        record_success(user.get_username(), client_ip(request))


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    user_login_failed.connect(_on_failed, dispatch_uid="ntm_ops_throttle_failed")
    user_logged_in.connect(_on_logged_in, dispatch_uid="ntm_ops_throttle_success")
