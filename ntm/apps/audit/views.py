"""The audit log page: filterable by unit, user, action and date; reviewers and administrators only,
and each sees only the events of their own units' subtrees."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ntm.apps.accounts.permissions import can_view
from ntm.web.tables import Column, Table

from .changelog import logged_models, related_names
from .models import Action, ObjectChange
from .services import can_read_audit, deny, visible_changes, visible_events

PAGE_SIZE = 50


def _date(text: str) -> dt.date | None:
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _by_unit_and_user(request, qs, path_field: str):
    """The filters both pages share: the unit (by uid or name, its subtree, which the reader must
    be allowed to see) and the user name. Returns (qs, unit, unit text, user text, errors)."""
    from ntm.apps.units.models import Unit
    from ntm.apps.units.services import resolve_unit

    q = request.GET
    errors: list[str] = []
    unit = None
    unit_text = q.get("unit", "").strip()
    if unit_text:
        unit = Unit.objects.filter(uid=unit_text).first()
        if unit is None:
            try:
                unit = resolve_unit(unit_text)
            except (LookupError, ValueError) as exc:
                errors.append(str(exc))
        if unit is not None:
            if not can_view(request.user, unit):
                deny(request, unit, f"Bạn không có quyền xem nhật ký của {unit.name}.")
            qs = qs.filter(**{f"{path_field}__startswith": unit.path})
    user_text = q.get("user", "").strip()
    if user_text:
        qs = qs.filter(username__icontains=user_text)
    return qs, unit, unit_text, user_text, errors


def _table(request, qs) -> Table:
    """The events as a :class:`~ntm.web.tables.Table`: sorted by the database, exported as shown."""
    from django.utils.translation import gettext_lazy as _

    cols = [
        Column(
            "at", _("Thời điểm"), lambda e: e.at, text=lambda e: timezone.localtime(e.at).strftime("%H:%M:%S %d/%m/%Y")
        ),
        Column("username", _("Người dùng"), lambda e: e.username),
        Column("action", _("Hành động"), lambda e: e.action, text=lambda e: e.get_action_display()),
        Column("unit", _("Đơn vị"), lambda e: e.unit.name if e.unit else e.unit_uid, order="unit__name"),
        Column("object", _("Đối tượng"), lambda e: e.object_repr, sortable=False),
        Column("message", _("Chi tiết"), lambda e: e.message, sortable=False),
        Column("ip", "IP", lambda e: e.ip or "", sortable=False),
    ]
    return Table(request, qs, cols, page_size=PAGE_SIZE, name="audit", title="nhat-ky")


@require_GET
def audit_log(request):
    if not can_read_audit(request.user):
        deny(request, None, "Nhật ký chỉ dành cho cán bộ thẩm định và quản trị.")
    qs = visible_events(request.user).select_related("unit")
    q = request.GET
    qs, unit, unit_text, user_text, errors = _by_unit_and_user(request, qs, "unit__path")
    action = q.get("action", "")
    if action in Action.values:
        qs = qs.filter(action=action)
    tz = timezone.get_current_timezone()
    start, end = _date(q.get("from", "")), _date(q.get("to", ""))
    if q.get("from") and start is None or q.get("to") and end is None:
        errors.append("Ngày không hợp lệ (dùng dd/mm/yyyy).")
    if start:
        qs = qs.filter(at__gte=dt.datetime.combine(start, dt.time.min, tz))
    if end:
        qs = qs.filter(at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz))
    table = _table(request, qs.order_by("-at", "-id"))
    exported = table.response()
    if exported is not None:
        return exported
    page = table.page
    params = q.copy()
    params.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "table": table,
            "actions": Action.choices,
            "errors": errors,
            "unit": unit,
            "f": {
                "unit": unit_text,
                "user": user_text,
                "action": action,
                "from": q.get("from", ""),
                "to": q.get("to", ""),
            },
            "query": params.urlencode(),
        },
    )


def _change_table(request, qs) -> Table:
    from django.utils.translation import gettext_lazy as _

    cols = [
        Column(
            "at", _("Thời điểm"), lambda c: c.at, text=lambda c: timezone.localtime(c.at).strftime("%H:%M:%S %d/%m/%Y")
        ),
        Column("username", _("Người dùng"), lambda c: c.username),
        Column("action", _("Thao tác"), lambda c: c.action, text=lambda c: c.get_action_display()),
        Column("kind", _("Loại đối tượng"), lambda c: str(c.content_type), sortable=False),
        Column("object", _("Đối tượng"), lambda c: c.object_repr, sortable=False),
        Column("unit", _("Đơn vị"), lambda c: c.unit_name or c.unit_uid, order="unit_name"),
        Column(
            "changes",
            _("Cũ → mới"),
            lambda c: "; ".join(f"{label}: {old} → {new}" for label, old, new in c.changes()),
            sortable=False,
        ),
        Column("request", _("Mã yêu cầu"), lambda c: c.request_id, sortable=False),
    ]
    return Table(request, qs, cols, page_size=PAGE_SIZE, name="changes", title="thay-doi")


@require_GET
def object_changes(request):
    """Every created, saved or deleted object of a change-logged model, with old → new per field."""
    from django.contrib.contenttypes.models import ContentType

    if not can_read_audit(request.user):
        deny(request, None, "Nhật ký chỉ dành cho cán bộ thẩm định và quản trị.")
    qs = visible_changes(request.user).select_related("content_type")
    q = request.GET
    qs, unit, unit_text, user_text, errors = _by_unit_and_user(request, qs, "unit_path")
    kinds = sorted(
        ((f"{m._meta.app_label}.{m._meta.model_name}", str(m._meta.verbose_name)) for m in logged_models()),
        key=lambda kv: kv[1],
    )
    kind = q.get("kind", "")
    if kind in dict(kinds):
        app_label, model = kind.split(".")
        qs = qs.filter(content_type=ContentType.objects.get_by_natural_key(app_label, model))
    action = q.get("action", "")
    if action in ObjectChange.Kind.values:
        qs = qs.filter(action=action)
    request_id = q.get("request", "").strip()
    if request_id:
        qs = qs.filter(request_id=request_id)
    table = _change_table(request, qs.order_by("-at", "-id"))
    exported = table.response()
    if exported is not None:
        return exported
    rows = table.page.object_list = list(table.page.object_list)
    names = related_names(rows)  # the units, users… the page names, one query per kind, not per row
    for change in rows:
        change.related_names = names
    params = q.copy()
    params.pop("page", None)
    return render(
        request,
        "audit/changes.html",
        {
            "page": table.page,
            "table": table,
            "kinds": kinds,
            "actions": ObjectChange.Kind.choices,
            "errors": errors,
            "unit": unit,
            "f": {"unit": unit_text, "user": user_text, "kind": kind, "action": action, "request": request_id},
            "query": params.urlencode(),
        },
    )
