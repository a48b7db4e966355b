"""Pages: bulletins and dossiers (view and download), Excel exchange (template, import with preview,
exports), catalogue exchange. Every page requires a login and checks the unit with
``accounts.permissions`` (view to read and download, enter to import, admin at the root for the catalogue)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ntm.apps.accounts.permissions import can_admin, can_enter, can_view, home_units
from ntm.apps.catalog.services import publish
from ntm.apps.evaluations.dataview import results
from ntm.apps.observations import exchange as E
from ntm.apps.observations import imports as I
from ntm.apps.observations.template_ods import write_template_as
from ntm.apps.units.models import Unit
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core.catalog import default_catalog
from ntm.core.formatting import number as vn_number
from ntm.core.periods import Period
from ntm.core.reports import html as H

from . import catalog_xlsx, formats, uploads
from . import documents as docs
from .forms import DocumentFrameForm
from .models import ImportBatch
from .render import RenderUnavailable
from .services import ReportError, bulletin, dossier


def _ref(request, name: str) -> str | None:
    """A parameter of the query string or, for the frame form's downloads (POST), of the form."""
    return request.POST.get(name) or request.GET.get(name) if request.method == "POST" else request.GET.get(name)


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
    from ntm.apps.catalog.choices import commune_sets
    from ntm.apps.evaluations.queries.periods import lineage_periods

    own = set(results().objects.filter(unit__path__startswith=unit.path).values_list("period", flat=True))
    # a unit formed on 1 July 2025: also the periods of the old xã it was formed from
    return sorted(own | set(lineage_periods(unit, [s.code for s in commune_sets()])), reverse=True)


def _download(content: bytes, filename: str, fmt: str) -> HttpResponse:
    resp = HttpResponse(content, content_type=formats.FORMATS[fmt].media_type)
    resp["Content-Disposition"] = formats.content_disposition(fmt, filename)
    return resp


# -- reports ------------------------------------------------------------------------------------
@login_required
@require_GET
def index(request):
    units = list(home_units(request.user)[:20])
    cat = default_catalog()
    unit = units[0] if units else None
    return render(
        request,
        "reports/index.html",
        {
            "units": units,
            "unit": unit,
            "periods": _periods(unit) if unit else [],
            "sets": [s for s in cat if s.level == "commune"],
            "all_sets": list(cat),
            "can_admin_catalog": request.user.is_superuser
            or any(can_admin(request.user, u) for u in Unit.objects.filter(uid="vn")),
            "imports": ImportBatch.objects.filter(created_by=request.user)[:10],
            **uploads.quota_figures(),
        },
    )


def _frame_context(request, unit: Unit, form: DocumentFrameForm | None = None) -> dict:
    """The frame form of a bulletin or dossier page: filled with the unit's settings in force."""
    frame = docs.frame_for(unit)
    if form is None:
        form = DocumentFrameForm(initial={**docs.initial(frame), "issued": ""})
    return {
        "frame_form": form,
        "frame": frame,
        "can_save_frame": docs.can_edit(request.user, unit),
        "frame_main": [
            form[n] for n in ("number", "issued", "signer_authority", "signer_title", "signer_name", "recipients")
        ],
        "frame_more": [form[n] for n in ("parent_body", "issuer", "symbol", "place", "sectors")],
        "sector_defaults": docs.sector_defaults(unit),
        "today": dt.date.today(),
    }


def _frame(request, unit: Unit):
    """(frame for this file, None) from the posted form, or (None, the bound form with its errors)."""
    if request.method != "POST":
        return docs.frame_for(unit), None
    form = DocumentFrameForm(request.POST)
    if not form.is_valid():
        return None, form
    return docs.frame_for(unit, form.cleaned_data, _sent(request, form)), None


def _sent(request, form: DocumentFrameForm) -> set[str]:
    """The fields the form sent (an emptied one means "none"; one not sent keeps the value in force)."""
    return {k for k in form.fields if k in request.POST}


@login_required
@require_GET
def bulletin_page(request):
    return _bulletin_page(request)


def _bulletin_page(request, form: DocumentFrameForm | None = None, status: int = 200):
    unit = _unit(request, _ref(request, "unit"))
    period = _period(request, unit)
    context = {
        "unit": unit,
        "period": period,
        "periods": _periods(unit),
        "formats": formats.offered(formats.BULLETIN),
        "doc_css": H.DOC_CSS,
        "download_url": reverse("reports-bulletin-download"),
        **_frame_context(request, unit, form),
    }
    try:
        doc, _data = bulletin(unit, period, frame=context["frame"])
        context["doc_html"] = H.fragment(doc)
        context["doc"] = doc
    except ReportError as exc:
        context["error"] = str(exc)
    return render(request, "reports/bulletin.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_download(request):
    """GET: the file with the unit's settings; POST (the page's form): with the number, date, signer…
    typed there, for this file only."""
    unit = _unit(request, _ref(request, "unit"))
    period = _period(request, unit)
    fmt = _ref(request, "format") or "docx"
    if fmt not in formats.codes(formats.BULLETIN):
        raise Http404("Định dạng không hỗ trợ")
    frame, bad = _frame(request, unit)
    if bad is not None:
        return _bulletin_page(request, form=bad, status=400)
    from .cache import render_bulletin

    try:
        # a file rendered before from the same stored results is served from the cache (see cache.py)
        out = render_bulletin(unit, period, fmt, frame=frame)
    except ReportError as exc:
        raise Http404(str(exc)) from None
    except RenderUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    return _download(out.content, out.filename, fmt)


@login_required
@require_GET
def dossier_page(request):
    return _dossier_page(request)


def _dossier_page(request, form: DocumentFrameForm | None = None, status: int = 200):
    unit = _unit(request, _ref(request, "unit"))
    set_code = _ref(request, "set") or "xa-ntm-2021"
    if set_code not in default_catalog():
        raise Http404("Không có bộ tiêu chí này")
    period = _period(request, unit)
    context = {
        "unit": unit,
        "period": period,
        "periods": _periods(unit),
        "set_code": set_code,
        "sets": [s for s in default_catalog() if s.level == "commune"],
        "formats": formats.offered(formats.DOSSIER),
        "doc_css": H.DOC_CSS,
        "download_url": reverse("reports-dossier-download"),
        **_frame_context(request, unit, form),
    }
    try:
        doc, _data = dossier(unit, set_code, period, frame=context["frame"])
        context["doc_html"] = H.fragment(doc)
        context["doc"] = doc
    except ReportError as exc:
        context["error"] = str(exc)
    return render(request, "reports/dossier.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def dossier_download(request):
    """As :func:`bulletin_download`, for the recognition dossier."""
    unit = _unit(request, _ref(request, "unit"))
    set_code = _ref(request, "set") or "xa-ntm-2021"
    fmt = _ref(request, "format") or "docx"
    if fmt not in formats.codes(formats.DOSSIER) or set_code not in default_catalog():
        raise Http404("Định dạng hoặc bộ tiêu chí không hỗ trợ")
    frame, bad = _frame(request, unit)
    if bad is not None:
        return _dossier_page(request, form=bad, status=400)
    try:
        doc, _data = dossier(unit, set_code, _period(request, unit), frame=frame)
        content = formats.render(doc, fmt)
    except ReportError as exc:
        raise Http404(str(exc)) from None
    except RenderUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    return _download(content, doc.filename, fmt)


@login_required
@require_POST
def document_settings(request):
    """Save the frame form as the unit's settings (a new row: earlier ones are kept, see models.py)."""
    unit = _unit(request, request.POST.get("unit"))
    if not docs.can_edit(request.user, unit):
        raise PermissionDenied(_("Chỉ người nhập liệu hoặc quản trị của đơn vị được sửa thông tin văn bản của đơn vị."))
    form = DocumentFrameForm(request.POST)
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("reports-bulletin") + f"?unit={unit.uid}"
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[k].label if k in form.fields else k}: {' '.join(v)}" for k, v in form.errors.items()
        )
        messages.error(request, _("Chưa lưu thông tin văn bản: %(errors)s") % {"errors": errors})
        return redirect(back)
    docs.save(unit, form.cleaned_data, request.user, _sent(request, form))
    messages.success(
        request,
        _("Đã lưu thông tin văn bản của %(unit)s; bản tin và hồ sơ tải về từ nay dùng thông tin này.")
        % {"unit": unit.name},
    )
    return redirect(back)


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
        write_template_as(path, units, default_catalog().get(set_code), period, fmt)
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
    return FileResponse(
        f,
        as_attachment=True,
        filename=name,
        content_type="application/vnd.oasis.opendocument.spreadsheet" if ods else formats.FORMATS["xlsx"].media_type,
    )


@login_required
@require_POST
def upload(request):
    """Take an import file and check it once (:func:`.uploads.receive`); the preview shows that check."""
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, "Chưa chọn tệp.")
        return redirect("reports-index")
    unit = _unit(request, request.POST.get("unit"), need="enter") if request.POST.get("unit") else None
    try:
        b = uploads.receive(
            f, user=request.user, unit=unit, set_code=request.POST.get("set", ""), period=request.POST.get("period", "")
        )
    except uploads.UploadRefused as exc:
        messages.error(request, str(exc))
        return redirect("reports-index")
    return redirect("reports-import-preview", batch=b.batch)


@login_required
@require_GET
def import_preview(request, batch: str):
    """What the check at upload found (stored on the batch): the file is not read again here."""
    b = get_object_or_404(ImportBatch, batch=batch, created_by=request.user)
    plan = uploads.stored_plan(b) if b.status == ImportBatch.Status.PENDING else None
    # failed at upload: the check's plan says why; failed at confirmation (a value or a sheet's review
    # state changed since the check): the summary does, and the plan checked at upload is out of date
    failed_at_upload = b.status == ImportBatch.Status.FAILED and b.plan and "issues" not in b.summary
    failed_plan = uploads.stored_plan(b) if failed_at_upload else None
    return render(
        request,
        "reports/import_preview.html",
        {"b": b, "plan": plan, "failed_plan": failed_plan, "expires_at": b.created_at + uploads.expiry()},
    )


@login_required
@require_POST
def import_confirm(request, batch: str):
    b = get_object_or_404(ImportBatch, batch=batch, created_by=request.user)
    if b.status != ImportBatch.Status.PENDING:
        if b.status == ImportBatch.Status.EXPIRED:
            messages.error(request, f"Lần nhập tệp {b.file_name} đã hết hạn và tệp đã bị xóa; hãy tải tệp lên lại.")
        return redirect("reports-import-preview", batch=b.batch)
    if request.POST.get("action") == "cancel":
        b.status = ImportBatch.Status.CANCELLED
        uploads.discard(b)
        b.save()
        messages.info(request, f"Đã hủy lần nhập tệp {b.file_name}.")
        return redirect("reports-index")
    try:
        res = E.commit_file(
            b.stored_path,
            user=request.user,
            defaults=uploads.defaults(b),
            name=b.file_name,
            batch=b.batch,
            background=True,
            stage=uploads.stage_path(b),
        )
    except I.ImportFailed as exc:
        b.status = ImportBatch.Status.FAILED
        b.summary = {"issues": [i.as_dict() for i in exc.issues[:200]], "issue_count": exc.total}
        uploads.discard(b)
        b.save()
        messages.error(request, f"Không ghi gì từ tệp {b.file_name}: {exc.total} lỗi (xem chi tiết).")
        return redirect("reports-import-preview", batch=b.batch)
    b.status = ImportBatch.Status.DONE
    b.rows, b.written, b.unchanged = res.plan.rows, res.written, res.unchanged
    b.summary = {"cells": res.cells, "new": res.plan.new, "changed": res.plan.changed}
    run = res.reevaluation_run
    if run is not None:
        b.summary["reevaluation_run"] = run.pk
    b.committed_at = timezone.now()
    uploads.discard(b)
    b.save()
    if run is None:
        messages.success(
            request,
            f"Đã ghi {vn_number(res.written)} giá trị (lô {res.batch}); "
            f"{vn_number(res.cells)} kết quả được đánh giá lại.",
        )
    else:
        messages.success(
            request,
            f"Đã ghi {vn_number(res.written)} giá trị (lô {res.batch}). {vn_number(res.cells)} "
            f"kết quả đang được đánh giá lại trong nền (lượt #{run.pk}); các trang tổng quan "
            f"hiện tiến độ và giữ kết quả trước đó cho đến khi xong.",
        )
    return redirect("reports-import-preview", batch=b.batch)


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
        e = E.build_export(
            request.GET.get("what", "observations"),
            request.GET.get("format", "csv"),
            unit=unit,
            user=request.user,
            set_code=request.GET.get("set") or None,
            period=period,
            history=request.GET.get("history") == "1",
        )
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
    resp = HttpResponse(catalog_xlsx.export_set(cat.get(code)), content_type=formats.FORMATS["xlsx"].media_type)
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
                    context["published"] = publish(reason=f"Nhập bộ tiêu chí từ tệp {f.name}", user=request.user)
                else:
                    model, _ = catalog_xlsx.validate_set(data, f.name, directory=catalog_xlsx.local_catalog_dir())
                    context["valid"] = model
            except catalog_xlsx.CatalogImportError as exc:
                context["issues"] = exc.issues
    return render(request, "reports/catalog_import.html", context)
