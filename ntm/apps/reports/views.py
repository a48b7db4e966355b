"""Pages: bulletins and dossiers (view and download), Excel exchange (template, import with preview,
exports), catalogue exchange. Every page requires a login and checks the unit with
``accounts.permissions`` (view to read and download, enter to import, admin at the root for the catalogue)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ntm.apps.accounts.permissions import can_admin, can_enter, can_view, home_units
from ntm.apps.evaluations.dataview import results
from ntm.apps.observations import exchange as E
from ntm.apps.observations import imports as I
from ntm.apps.units.models import Unit
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core.catalog import default_catalog
from ntm.core.formatting import number as vn_number
from ntm.core.periods import Period
from ntm.core.reports import html as H

from . import catalog_xlsx
from .models import ImportBatch
from .render import FORMATS, RenderUnavailable
from .render import render as render_doc
from .services import ReportError, bulletin, dossier

UPLOAD_DIR = "imports"


def _unit(request, ref: str | None, *, need: str = "view") -> Unit:
    if not ref:
        first = home_units(request.user).first()
        if first is None:
            raise PermissionDenied("Tài khoản chưa được gán đơn vị nào.")
        return first
    try:
        unit = resolve_unit(ref)
    except (LookupError, ValueError) as exc:
        raise Http404(str(exc)) from None
    allowed = can_view(request.user, unit) if need == "view" else can_enter(request.user, unit)
    if not allowed:
        raise PermissionDenied("Bạn không có quyền với đơn vị này.")
    return unit


def _period(request, unit: Unit | None = None) -> Period:
    key = request.GET.get("period") or request.POST.get("period")
    if not key:
        qs = results().objects.all()
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        key = qs.order_by("-period").values_list("period", flat=True).first() or f"{dt.date.today():%Y-%m}"
    try:
        return Period.parse(key)
    except ValueError as exc:
        raise Http404(str(exc)) from None


def _periods(unit: Unit) -> list[str]:
    return sorted(set(results().objects.filter(unit__path__startswith=unit.path).values_list("period", flat=True)), reverse=True)


def _download(content: bytes, filename: str, fmt: str) -> HttpResponse:
    resp = HttpResponse(content, content_type=FORMATS[fmt])
    disposition = "inline" if fmt == "html" else "attachment"
    resp["Content-Disposition"] = f'{disposition}; filename="{filename}.{fmt}"'
    return resp


# -- reports ------------------------------------------------------------------------------------
@login_required
@require_GET
def index(request):
    units = list(home_units(request.user)[:20])
    cat = default_catalog()
    unit = units[0] if units else None
    return render(request, "reports/index.html", {
        "units": units, "unit": unit, "periods": _periods(unit) if unit else [],
        "sets": [s for s in cat if s.level == "commune"], "all_sets": list(cat),
        "can_admin_catalog": request.user.is_superuser or any(can_admin(request.user, u) for u in Unit.objects.filter(uid="vn")),
        "imports": ImportBatch.objects.filter(created_by=request.user)[:10],
    })


@login_required
@require_GET
def bulletin_page(request):
    unit = _unit(request, request.GET.get("unit"))
    period = _period(request, unit)
    context = {"unit": unit, "period": period, "periods": _periods(unit), "formats": ("docx", "pdf", "xlsx", "html"),
               "doc_css": H.DOC_CSS}
    try:
        doc, _ = bulletin(unit, period)
        context["doc_html"] = H.fragment(doc)
        context["doc"] = doc
    except ReportError as exc:
        context["error"] = str(exc)
    return render(request, "reports/bulletin.html", context)


@login_required
@require_GET
def bulletin_download(request):
    unit = _unit(request, request.GET.get("unit"))
    period = _period(request, unit)
    fmt = request.GET.get("format", "docx")
    if fmt not in FORMATS:
        raise Http404("Định dạng không hỗ trợ")
    from .cache import render_bulletin

    try:
        # a file rendered before from the same stored results is served from the cache (see cache.py)
        out = render_bulletin(unit, period, fmt)
    except ReportError as exc:
        raise Http404(str(exc)) from None
    except RenderUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    return _download(out.content, out.filename, fmt)


@login_required
@require_GET
def dossier_page(request):
    unit = _unit(request, request.GET.get("unit"))
    set_code = request.GET.get("set") or "xa-ntm-2021"
    if set_code not in default_catalog():
        raise Http404("Không có bộ tiêu chí này")
    period = _period(request, unit)
    context = {"unit": unit, "period": period, "periods": _periods(unit), "set_code": set_code,
               "sets": [s for s in default_catalog() if s.level == "commune"], "formats": ("docx", "pdf", "html"),
               "doc_css": H.DOC_CSS}
    try:
        doc, _ = dossier(unit, set_code, period)
        context["doc_html"] = H.fragment(doc)
        context["doc"] = doc
    except ReportError as exc:
        context["error"] = str(exc)
    return render(request, "reports/dossier.html", context)


@login_required
@require_GET
def dossier_download(request):
    unit = _unit(request, request.GET.get("unit"))
    set_code = request.GET.get("set") or "xa-ntm-2021"
    fmt = request.GET.get("format", "docx")
    if fmt not in FORMATS or set_code not in default_catalog():
        raise Http404("Định dạng hoặc bộ tiêu chí không hỗ trợ")
    try:
        doc, _ = dossier(unit, set_code, _period(request, unit))
        content = render_doc(doc, fmt)
    except ReportError as exc:
        raise Http404(str(exc)) from None
    except RenderUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    return _download(content, doc.filename, fmt)


# -- Excel exchange -----------------------------------------------------------------------------
def _template_units(unit: Unit, period: Period, scope: str) -> list[Unit]:
    if unit.level == "commune" or scope == "unit":
        return [unit]
    return [u for u in communes_at(unit, period.end) if u.type == "Xã"]


@login_required
@require_GET
def template_download(request):
    unit = _unit(request, request.GET.get("unit"))
    period = _period(request, unit)
    set_code = request.GET.get("set") or "xa-ntm-2021"
    if set_code not in default_catalog():
        raise Http404("Không có bộ tiêu chí này")
    units = _template_units(unit, period, request.GET.get("scope", "communes"))
    import tempfile

    fmt = "ods" if request.GET.get("format") == "ods" else "xlsx"
    tmp = tempfile.NamedTemporaryFile(prefix="ntm-template-", suffix=f".{fmt}", delete=False)
    tmp.close()
    path = Path(tmp.name)
    try:
        I.write_template_as(path, units, default_catalog().get(set_code), period, fmt)
    except ValueError as exc:  # an ODS template too large to build
        path.unlink(missing_ok=True)
        messages.error(request, str(exc))
        return redirect("reports-index")
    name = f"mau-nhap-{set_code}-{unit.uid.replace(':', '-').replace('@', '-')}-{period.key}.{fmt}"
    return _file_response(path, name)


def _file_response(path: Path, name: str) -> FileResponse:
    f = open(path, "rb")
    os.unlink(path)  # the open handle keeps the data until the response is sent (POSIX)
    ods = name.endswith(".ods")
    return FileResponse(f, as_attachment=True, filename=name,
                        content_type="application/vnd.oasis.opendocument.spreadsheet" if ods else FORMATS["xlsx"])


def _save_upload(upload) -> Path:
    folder = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.name).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv", ".json"):  # .json: DHIS2 dataValueSets
        raise ValueError(f"không hỗ trợ định dạng '{suffix}' (dùng .xlsx, .csv hoặc .json của DHIS2)")
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with open(path, "wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    return path


def _defaults(batch: ImportBatch) -> dict:
    d: dict = {}
    if batch.unit_id:
        d["unit"] = batch.unit
    if batch.set_code:
        d["set"] = batch.set_code
    if batch.period:
        d["period"] = batch.period
    return d


@login_required
@require_POST
def upload(request):
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, "Chưa chọn tệp.")
        return redirect("reports-index")
    unit = _unit(request, request.POST.get("unit"), need="enter") if request.POST.get("unit") else None
    try:
        path = _save_upload(f)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("reports-index")
    batch = ImportBatch.objects.create(
        batch=f"import-{uuid.uuid4().hex[:12]}", file_name=f.name[:255], stored_path=str(path), unit=unit,
        set_code=request.POST.get("set", "")[:64], period=request.POST.get("period", "")[:10], created_by=request.user,
    )
    return redirect("reports-import-preview", batch=batch.batch)


@login_required
def import_preview(request, batch: str):
    b = get_object_or_404(ImportBatch, batch=batch, created_by=request.user)
    plan = None
    error = None
    if b.status == ImportBatch.Status.PENDING:
        try:
            plan = E.plan_file(b.stored_path, user=request.user, defaults=_defaults(b), name=b.file_name)
        except I.ImportFailed as exc:
            error = exc
    return render(request, "reports/import_preview.html", {"b": b, "plan": plan, "error": error})


@login_required
@require_POST
def import_confirm(request, batch: str):
    b = get_object_or_404(ImportBatch, batch=batch, created_by=request.user, status=ImportBatch.Status.PENDING)
    if request.POST.get("action") == "cancel":
        b.status = ImportBatch.Status.CANCELLED
        _discard(b)
        b.save()
        messages.info(request, "Đã hủy lần nhập.")
        return redirect("reports-index")
    try:
        res = E.commit_file(b.stored_path, user=request.user, defaults=_defaults(b), name=b.file_name, batch=b.batch,
                              background=True)
    except I.ImportFailed as exc:
        b.status = ImportBatch.Status.FAILED
        b.summary = {"issues": [i.as_dict() for i in exc.issues[:200]], "issue_count": exc.total}
        b.save()
        messages.error(request, f"Không ghi gì: {exc.total} lỗi (xem chi tiết).")
        return redirect("reports-import-preview", batch=b.batch)
    b.status = ImportBatch.Status.DONE
    b.rows, b.written, b.unchanged = res.plan.rows, res.written, res.unchanged
    b.summary = {"cells": res.cells, "new": res.plan.new, "changed": res.plan.changed}
    run = res.reevaluation_run
    if run is not None:
        b.summary["reevaluation_run"] = run.pk
    b.committed_at = timezone.now()
    _discard(b)
    b.save()
    if run is None:
        messages.success(request, f"Đã ghi {vn_number(res.written)} giá trị (lô {res.batch}); "
                                  f"{vn_number(res.cells)} kết quả được đánh giá lại.")
    else:
        messages.success(request, f"Đã ghi {vn_number(res.written)} giá trị (lô {res.batch}). {vn_number(res.cells)} "
                                  f"kết quả đang được đánh giá lại trong nền (lượt #{run.pk}); các trang tổng quan "
                                  f"hiện tiến độ và giữ kết quả trước đó cho đến khi xong.")
    return redirect("reports-import-preview", batch=b.batch)


def _discard(b: ImportBatch) -> None:
    if b.stored_path:
        Path(b.stored_path).unlink(missing_ok=True)
        b.stored_path = ""


@login_required
@require_GET
def export(request):
    unit = _unit(request, request.GET.get("unit"))
    period = request.GET.get("period") or None
    if period:
        try:
            period = Period.parse(period).key
        except ValueError as exc:
            raise Http404(str(exc)) from None
    try:
        e = E.build_export(request.GET.get("what", "observations"), request.GET.get("format", "csv"), unit=unit,
                           user=request.user, set_code=request.GET.get("set") or None, period=period,
                           history=request.GET.get("history") == "1")
    except E.ExportError as exc:
        raise Http404(str(exc)) from None
    if e.path is not None:
        return _file_response(e.path, e.filename)
    resp = StreamingHttpResponse(e.text, content_type=e.content_type)
    resp["Content-Disposition"] = f'attachment; filename="{e.filename}"'
    return resp


# -- catalogue exchange -------------------------------------------------------------------------
@login_required
@require_GET
def catalog_export(request, code: str):
    cat = default_catalog()
    if code not in cat:
        raise Http404("Không có bộ tiêu chí này")
    resp = HttpResponse(catalog_xlsx.export_set(cat.get(code)), content_type=FORMATS["xlsx"])
    resp["Content-Disposition"] = f'attachment; filename="{code}.xlsx"'
    return resp


def _catalog_admin(user) -> bool:
    root = Unit.objects.filter(uid="vn").first()
    return bool(user.is_superuser or (root is not None and can_admin(user, root)))


@login_required
def catalog_import(request):
    if not _catalog_admin(request.user):
        raise PermissionDenied("Chỉ quản trị cấp trung ương được nạp bộ tiêu chí.")
    context: dict = {"directory": catalog_xlsx.local_catalog_dir()}
    if request.method == "POST":
        f = request.FILES.get("file")
        if f is None:
            context["error"] = "Chưa chọn tệp."
        else:
            data = f.read()
            try:
                if request.POST.get("action") == "write":
                    path = catalog_xlsx.import_set(data, f.name)
                    context["written"] = path
                else:
                    model, _ = catalog_xlsx.validate_set(data, f.name, directory=catalog_xlsx.local_catalog_dir())
                    context["valid"] = model
            except catalog_xlsx.CatalogImportError as exc:
                context["issues"] = exc.issues
    return render(request, "reports/catalog_import.html", context)
