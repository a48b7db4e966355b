"""The facts of a unit for a period (``/nhap-lieu/thong-tin-bo-sung/<mã>/?period=…``): what the
criteria sets' conditions read besides the indicators, each with its current value, its history,
and — for those who enter the unit's values — a form to record a new value (never overwriting:
see :mod:`.facts`)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ntm.apps.accounts.permissions import can_enter, can_view
from ntm.apps.audit.services import deny
from ntm.apps.units.models import Unit
from ntm.core import formatting as fmt
from ntm.core.periods import Period

from . import facts


def _value(kind: facts.FactKind, text: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    if kind.boolean:
        if text in ("1", "0"):
            return float(text)
        raise facts.FactError("value", _("Chọn «có» hoặc «không»."))
    try:
        return fmt.parse_number(text)
    except ValueError:
        raise facts.FactError("value", _("«%(text)s» không phải là số.") % {"text": text}) from None


def _shown(kind: facts.FactKind, value: float | None) -> str:
    if value is None:
        return "—"
    if kind.boolean:
        return _("có") if value >= 0.5 else _("không")
    return fmt.number(value, 2, trim=True) + ("%" if kind.percent else "")


@require_http_methods(["GET", "POST"])
def facts_page(request, uid: str):
    unit = get_object_or_404(Unit, uid=uid)
    if not can_view(request.user, unit):
        deny(request, unit, f"Bạn không có quyền xem số liệu của {unit.name}.", not_found=True)
    data = request.POST if request.method == "POST" else request.GET
    try:
        period = Period.parse(data.get("period", "").strip() or dt.date.today().strftime("%Y-%m"))
    except ValueError:
        period = Period.parse(dt.date.today().strftime("%Y-%m"))
        messages.error(request, _("Kỳ không hợp lệ (vd. 2026-07, 2026-Q3, 2026)."))
    may_enter = can_enter(request.user, unit)
    kinds = facts.kinds(unit.level, unit_type=unit.type)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not may_enter:
            deny(request, unit, f"Bạn không có quyền nhập số liệu của {unit.name}.")
        name = data.get("name", "")
        kind = next((k for k in kinds if k.name == name), None)
        try:
            if kind is None:
                raise facts.FactError("name", _("Không có thông tin bổ sung này."))
            version = data.get("version")  # the form sends the version it showed; without it, no check
            stored = facts.record(
                unit,
                name,
                period.key,
                _value(kind, data.get("value", "")),
                user=request.user,
                note=data.get("note", ""),
                expected_version=int(version) if (version or "").strip().isdigit() else None,
            )
        except facts.FactError as exc:
            errors[name] = str(exc)
        else:
            messages.success(
                request,
                _("Đã ghi «%(label)s»: %(value)s (phiên bản %(version)s).")
                % {"label": kind.label, "value": _shown(kind, stored.value), "version": stored.version},
            )
            return redirect(reverse("entry-facts", args=[unit.uid]) + f"?period={period.key}")
    now = facts.current(unit, period.key)
    past: dict[str, list] = {}
    for f in facts.history(unit, period.key):
        if not f.is_current:
            past.setdefault(f.name, []).append(f)
    rows = [
        {
            "kind": k,
            "fact": now.get(k.name),
            "shown": _shown(k, now[k.name].value) if k.name in now else "—",
            "history": [(f, _shown(k, f.value)) for f in past.get(k.name, [])],
            "error": errors.get(k.name, ""),
            "posted": data if k.name in errors else None,
        }
        for k in kinds
    ]
    return render(
        request,
        "observations/facts.html",
        {"unit": unit, "period": period, "rows": rows, "may_enter": may_enter},
        status=400 if errors and not request.headers.get("HX-Request") else 200,  # htmx swaps a 200 only
    )
