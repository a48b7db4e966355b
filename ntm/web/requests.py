"""What every page reads from a request, shared by the apps' views: the unit asked for (or the
user's own), a date and a period in the query string, and the 403 page that says why.

Helpers of the interface layer: the apps' views import them; no app's domain code does."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from ntm.apps.accounts.permissions import home_units
from ntm.apps.units.models import Unit
from ntm.apps.units.services import resolve_unit
from ntm.apps.units.templatetags.ntm_units import unit_ref
from ntm.core.periods import Period


def forbid(request, unit: Unit | None = None, message: str | None = None) -> HttpResponse:
    """A Vietnamese 403 page; nothing of the unit is shown beyond its name."""
    if message is None:
        message = (
            gettext("Tài khoản của bạn không có quyền xem %(name)s.") % {"name": unit.name}
            if unit is not None
            else gettext("Tài khoản của bạn chưa được phân quyền trên đơn vị nào.")
        )
    return render(request, "forbidden.html", {"message": message}, status=403)


def parse_date(text: str | None) -> dt.date | None:
    """'2023-07-31' or '31/07/2023'; raises Http404 with a Vietnamese message when unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    for f in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, f).date()
        except ValueError:
            continue
    raise Http404(f"Ngày '{text}' không hợp lệ (dùng dd/mm/yyyy)")


def parse_period(text: str | None) -> Period | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise Http404(str(exc)) from None


def default_unit(user) -> Unit | None:
    return home_units(user).first() if getattr(user, "is_authenticated", False) else None


def unit_from_request(request, date: dt.date | None = None) -> Unit | None:
    """The unit of the query string (``unit``: a code or a name, ``uid``: the code a selector showed),
    in force on ``date`` when one is given; the user's first home unit when none is asked for."""
    ref = (request.GET.get("unit") or "").strip()
    if not ref:
        return default_unit(request.user)
    hinted = hinted_unit(ref, request.GET.get("uid"))
    if hinted is not None:
        return hinted
    try:
        return resolve_unit(ref, date)
    except (LookupError, ValueError) as exc:
        if date is None:
            raise Http404(str(exc)) from None
    try:  # a unit not in force on the date: the page then says so, naming its successors
        return resolve_unit(ref)
    except (LookupError, ValueError) as exc:
        raise Http404(str(exc)) from None


def hinted_unit(ref: str, uid: str | None) -> Unit | None:
    """The unit a selector form showed by name, sent back with its code (``uid``): the same name can
    stand for a unit of each edition of the map (Tỉnh Ninh Bình before and after 01/07/2025). The
    code counts only while the name is the one the form showed; a name the user typed wins."""
    unit = Unit.objects.filter(uid=(uid or "").strip()).first() if uid else None
    if unit is not None and " ".join(ref.split()) in (unit.uid, unit_ref(unit)):
        return unit
    return None
