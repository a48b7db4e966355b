"""Recording audit events, and the structured log line that goes with each.

- :func:`log` — add one event (who, when, action, unit, object, old → new, IP) and write it to the
  ``ntm.audit`` logger as one JSON line (INFO for writes, WARNING for refusals and failures);
- :func:`deny` — log a denied access and raise ``PermissionDenied`` (403) or ``Http404``;
- :func:`visible_events` — the events a user may read: those of the units where they are a
  reviewer or an administrator, subtree included; events without a unit (failed log-ins) only for
  superusers and administrators of the whole country.

The IP address and path of the current request are taken from :class:`AuditMiddleware`
(``middleware.py``) through a context variable, so services that do not see the request (e.g.
``observations.services.record_many``) still record them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Action, AuditEvent, ObjectChange

logger = logging.getLogger("ntm.audit")

WARNING_ACTIONS = {Action.ACCESS_DENIED, Action.LOGIN_FAILED, Action.WRITE_REFUSED}


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None
    path: str
    user: object | None = None
    request_id: str = ""
    request: object | None = None  # read again for the user when a view authenticates late (API tokens)


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("ntm_audit_request", default=None)


def client_ip(request) -> str | None:
    """The peer address. Behind a reverse proxy, configure it to pass the client address as REMOTE_ADDR
    (e.g. gunicorn ``--forwarded-allow-ips``); X-Forwarded-For is not trusted here."""
    ip = (request.META.get("REMOTE_ADDR") or "").strip()
    return ip or None


def request_id(request) -> str:
    """The request's id (made on first use): it ties the events and object changes of one request."""
    rid = getattr(request, "ntm_request_id", None)
    if not rid:
        rid = uuid.uuid4().hex
        request.ntm_request_id = rid
    return rid


def request_info(request) -> RequestInfo:
    user = getattr(request, "user", None)
    return RequestInfo(
        ip=client_ip(request),
        path=request.get_full_path()[:300],
        user=user if getattr(user, "is_authenticated", False) else None,
        request_id=request_id(request),
        request=request,
    )


def bind_request(request) -> contextvars.Token:
    return _current.set(request_info(request))


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


def current_request() -> RequestInfo | None:
    return _current.get()


def _username(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return user.get_username()


def log(
    action: str,
    *,
    user=None,
    username: str = "",
    unit=None,
    obj: str = "",
    message: str = "",
    old=None,
    new=None,
    request=None,
) -> AuditEvent:
    """Add one audit event and write its JSON line to the ``ntm.audit`` logger."""
    info = request_info(request) if request is not None else current_request()
    if user is None and info is not None:
        user = info.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    event = AuditEvent.objects.create(
        user=user,
        username=(username or _username(user))[:150],
        action=action,
        unit=unit,
        unit_uid=getattr(unit, "uid", "") or "",
        object_repr=str(obj)[:300],
        message=str(message)[:500],
        old=old,
        new=new,
        ip=info.ip if info else None,
        path=info.path if info else "",
        request_id=info.request_id if info else "",
    )
    line = {
        "event": str(action),
        "at": event.at.isoformat(),
        "user": event.username or None,
        "unit": event.unit_uid or None,
        "object": event.object_repr or None,
        "message": event.message or None,
        "ip": event.ip,
        "path": event.path or None,
        "request": event.request_id or None,
        "old": old,
        "new": new,
        "id": event.pk,
    }
    level = logging.WARNING if action in WARNING_ACTIONS else logging.INFO
    logger.log(level, json.dumps(line, ensure_ascii=False, cls=DjangoJSONEncoder, separators=(",", ":")))
    return event


def deny(
    request,
    unit=None,
    message: str = "Bạn không có quyền thực hiện thao tác này.",
    *,
    not_found: bool = False,
    obj: str = "",
):
    """Record a denied access, then raise 403 (or 404 for an object outside the user's scope)."""
    log(Action.ACCESS_DENIED, request=request, unit=unit, obj=obj or request.path, message=message)
    request._ntm_denial_logged = True
    if not_found:
        raise Http404(message)
    raise PermissionDenied(message)


def audit_reader_paths(user) -> list[str] | None:
    """Unit paths whose events ``user`` may read; None means everything (superuser)."""
    from ntm.apps.accounts.models import Membership, Role

    if getattr(user, "is_superuser", False):
        return None
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(user=user, role__in=(Role.REVIEWER, Role.ADMIN))
        .values_list("unit__path", flat=True)
        .distinct()
    )


def can_read_audit(user) -> bool:
    paths = audit_reader_paths(user)
    return paths is None or bool(paths)


def visible_events(user) -> QuerySet[AuditEvent]:
    """Events of the units where ``user`` reviews or administers (subtree included). Events without a
    unit (failed log-ins, denials outside any unit) are read only by superusers and country admins."""
    from ntm.apps.accounts.models import Membership, Role

    qs = AuditEvent.objects.all()
    paths = audit_reader_paths(user)
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    q = Q()
    for p in paths:
        q |= Q(unit__path__startswith=p)
    if Membership.objects.filter(user=user, role=Role.ADMIN, unit__parent__isnull=True).exists():
        q |= Q(unit__isnull=True)
    return qs.filter(q)


def visible_changes(user) -> QuerySet[ObjectChange]:
    """Object changes under the units where ``user`` reviews or administers (subtree included);
    changes without a unit (catalogue versions, programme targets) only for superusers and
    administrators of the whole country."""
    from ntm.apps.accounts.models import Membership, Role

    qs = ObjectChange.objects.all()
    paths = audit_reader_paths(user)
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    q = Q()
    for p in paths:
        q |= Q(unit_path__startswith=p)
    if Membership.objects.filter(user=user, role=Role.ADMIN, unit__parent__isnull=True).exists():
        q |= Q(unit_path="")
    return qs.filter(q)
