"""Recognition decisions (quyết định công nhận đạt chuẩn) on the web: the list of the decisions within
the user's units (filter by unit, set and year of the decision, newest first, with whether each
commune's current stored result still meets the standard) and the create / edit / delete forms.

Reading: ``can_view`` on the unit and ``scope`` on the decisions. Writing: :func:`~.permissions.can_recognise`
(the province's office: the province chairman decides a xã's recognition); every write is in the audit
log (old → new).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from ntm.apps.accounts.permissions import scope
from ntm.apps.evaluations.views import select
from ntm.apps.units.models import Level, Unit
from ntm.core import formatting as fmt
from ntm.web.requests import forbid
from ntm.web.tables import Column, Filter, Table

from .forms import RecognitionForm
from .models import Recognition
from .permissions import can_recognise, can_recognise_under
from .recognitions import (
    STATUS_LABELS,
    Duplicate,
    delete_recognition,
    latest_results,
    recognition_sets,
    save_recognition,
    set_label,
    snapshot,
    status_of,
)
from .views import communes_to_choose

PAGE_SIZE = 100


@dataclass
class RecognitionRow:
    rec: Recognition
    set_label: str
    result: dict | None
    can_edit: bool

    @property
    def status(self) -> str:
        return status_of(self.result)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _list_url(unit: Unit | None) -> str:
    """The list, on the commune's parent (where the office works) or the unit itself."""
    if unit is None:
        return reverse("recognitions")
    target = unit.parent if unit.level == Level.COMMUNE and unit.parent_id else unit
    return f"{reverse('recognitions')}?{urlencode({'unit': target.uid})}"


def recognition_list(request):
    sel = select(request)
    if isinstance(sel, HttpResponse):
        return sel
    sets = recognition_sets()
    set_code = (request.GET.get("set") or "").strip()
    if set_code and set_code not in dict(sets):
        raise Http404("Không có bộ tiêu chí cấp xã này")
    errors = []
    year_text = (request.GET.get("year") or "").strip()
    year = None
    if year_text:
        if year_text.isascii() and year_text.isdigit() and 1990 <= int(year_text) <= 2100:
            year = int(year_text)
        else:
            errors.append(f"Năm «{year_text[:20]}» không hợp lệ (vd. 2023).")
    qs = scope(Recognition.objects.filter(unit__path__startswith=sel.unit.path), request.user)
    if set_code:
        qs = qs.filter(set_code=set_code)
    if year is not None:
        qs = qs.filter(decision_date__year=year)
    qs = qs.select_related("unit", "created_by").order_by("-decision_date", "unit__name", "set_code")
    recs = list(qs)
    results = latest_results(recs)
    all_rows = [
        RecognitionRow(
            r, set_label(r.set_code), results.get((r.unit_id, r.set_code)), can_recognise(request.user, r.unit)
        )
        for r in recs
    ]
    table = recognition_table(request, sel, all_rows)
    exported = table.response()
    if exported is not None:
        return exported
    rows = table.rows_shown
    return render(
        request,
        "plans/recognitions.html",
        {
            "sel": sel,
            "unit": sel.unit,
            "page_obj": table.page,
            "rows": rows,
            "table": table,
            "sets": sets,
            "set_code": set_code,
            "year_text": year_text,
            "errors": errors,
            "crumbs": [(a, urlencode({"unit": a.uid}) if query else None) for a, query in sel.crumbs],
            "can_add": can_recognise_under(request.user, sel.unit) and sel.unit.level != Level.COMMUNE,
            "below": sum(1 for r in all_rows if r.status == "below"),
        },
    )


def recognition_table(request, sel, rows: list[RecognitionRow]) -> Table:
    """The decisions as a :class:`~ntm.web.tables.Table` (newest first by default)."""
    from django.utils.translation import gettext
    from django.utils.translation import gettext_lazy as _

    def latest(r: RecognitionRow) -> str:
        x = r.result
        return (
            x["period_label"]
            + ": "
            + gettext("%(a)s/%(b)s tiêu chí, %(c)s/%(d)s chỉ tiêu")
            % {"a": x["criteria_met"], "b": x["criteria_total"], "c": x["indicators_met"], "d": x["indicators_total"]}
            if x
            else ""
        )

    cols = [
        Column("name", _("Xã"), lambda r: r.rec.unit.name),
        Column("set", _("Chuẩn được công nhận"), lambda r: r.set_label),
        Column("decision", _("Số quyết định"), lambda r: r.rec.decision),
        Column(
            "date", _("Ngày quyết định"), lambda r: r.rec.decision_date, text=lambda r: fmt.date(r.rec.decision_date)
        ),
        Column("issued_by", _("Cơ quan ban hành"), lambda r: r.rec.issued_by),
        Column("latest", _("Kết quả mới nhất"), lambda r: r.result["criteria_met"] if r.result else None, text=latest),
        Column(
            "status",
            _("Hiện trạng"),
            lambda r: list(STATUS_LABELS).index(r.status),
            text=lambda r: gettext(r.status_label),
        ),
        Column("note", _("Ghi chú"), lambda r: r.rec.note, sortable=False),
        Column("by", _("Người nhập"), lambda r: r.rec.created_by.get_username() if r.rec.created_by_id else ""),
        Column("edit", "", lambda r: "", sortable=False, export=False),
    ]
    filters = [Filter("status", _("Hiện trạng"), list(STATUS_LABELS.items()), lambda r, v: r.status == v)]
    return Table(
        request,
        rows,
        cols,
        search=lambda r: r.rec.unit.name,
        filters=filters,
        default_sort="-date",
        page_size=PAGE_SIZE,
        name="recognitions",
        title=f"cong-nhan-{sel.unit.uid}",
    )


def _recognition_or_404(request, pk: int) -> Recognition:
    rec = scope(Recognition.objects.select_related("unit"), request.user).filter(pk=pk).first()
    if rec is None:
        raise Http404("Không có quyết định công nhận này")
    return rec


def _save(request, form: RecognitionForm, *, old: dict | None) -> bool:
    rec = form.save(commit=False)
    try:
        save_recognition(rec, request.user, old=old, request=request)
    except Duplicate as exc:
        form.add_error(None, str(exc))
        return False
    return True


def recognition_create(request):
    sel, communes = communes_to_choose(
        request, "Bạn không có quyền nhập quyết định công nhận cho các xã của", may=can_recognise_under
    )
    if communes is None:
        return sel
    form = RecognitionForm(request.POST or None, user=request.user, communes=communes)
    if request.method == "POST" and form.is_valid() and _save(request, form, old=None):
        return redirect(f"{reverse('recognitions')}?{urlencode({'unit': sel.unit.uid})}")
    return render(
        request,
        "plans/recognition_form.html",
        {"form": form, "unit": sel.unit, "rec": None, "back": _list_url(sel.unit)},
    )


def recognition_edit(request, pk: int):
    rec = _recognition_or_404(request, pk)
    if not can_recognise(request.user, rec.unit):
        return forbid(request, message=f"Bạn không có quyền sửa quyết định công nhận của {rec.unit.name}.")
    old = snapshot(rec)
    form = RecognitionForm(
        request.POST or None, instance=rec, user=request.user, communes=Unit.objects.filter(pk=rec.unit_id)
    )
    if request.method == "POST" and form.is_valid() and _save(request, form, old=old):
        return redirect(_list_url(rec.unit))
    return render(
        request,
        "plans/recognition_form.html",
        {"form": form, "unit": rec.unit, "rec": rec, "back": _list_url(rec.unit)},
    )


def recognition_delete(request, pk: int):
    rec = _recognition_or_404(request, pk)
    if not can_recognise(request.user, rec.unit):
        return forbid(request, message=f"Bạn không có quyền xóa quyết định công nhận của {rec.unit.name}.")
    back = _list_url(rec.unit)
    if request.method == "POST":
        delete_recognition(rec, request.user, request=request)
        return redirect(back)
    return render(
        request,
        "plans/recognition_confirm_delete.html",
        {"rec": rec, "set_label": set_label(rec.set_code), "back": back},
    )
