"""The report checker page (/kiem-tra-bao-cao/): paste a text or upload a file, see every figure found and
every inconsistency highlighted in the text, compare with stored results, save checked figures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ntm.apps.accounts.permissions import can_enter, scope
from ntm.apps.units.models import Unit
from ntm.core import formatting as F
from ntm.core.claims.model import KIND_WORD

from .forms import CheckForm, SaveForm
from .models import ReportedFigure
from .services import Checked, CheckError, check, read_upload, savable, save_figures

FINDING_LABEL = {"error": "Lỗi", "warning": "Cần xem lại"}


def _num(v) -> str:
    if v is None:
        return "—"
    if float(v).is_integer():
        return F.number(v)
    return F.number(v, 2).rstrip("0")


def segments(text: str, checked: Checked) -> list[dict]:
    """The text cut into runs, each marked with the findings and the claim covering it (findings win)."""
    marks: list[tuple[int, int, str, int]] = []  # start, end, kind, index
    for i, c in enumerate(checked.report.claims):
        marks.append((c.span[0], c.span[1], "claim", i))
    for j, f in enumerate(checked.all_findings):
        marks.append((f.span[0], f.span[1], f.severity, j))
    cuts = sorted({0, len(text), *(m[0] for m in marks), *(m[1] for m in marks)})
    starts: dict[int, list] = {}
    for m in marks:
        starts.setdefault(m[0], []).append(m)
    out: list[dict] = []
    active: list[tuple[int, int, str, int]] = []
    for a, b in zip(cuts, cuts[1:]):
        active = [m for m in active if m[1] > a] + starts.get(a, [])
        if a >= b:
            continue
        finding = next((m for m in active if m[2] == "error"), None) or next(
            (m for m in active if m[2] == "warning"), None
        )
        claim = next((m for m in active if m[2] == "claim"), None)
        seg = {"text": text[a:b], "cls": "", "ref": None, "title": ""}
        if finding is not None:
            f = checked.all_findings[finding[3]]
            seg.update(cls=f"f-{f.severity}", ref=f"phat-hien-{finding[3] + 1}", title=f.message)
        elif claim is not None:
            seg.update(cls="claim", ref=f"so-lieu-{claim[3] + 1}", title=checked.report.claims[claim[3]].subject or "")
        if out and out[-1]["cls"] == seg["cls"] and out[-1]["ref"] == seg["ref"]:
            out[-1]["text"] += seg["text"]
        else:
            out.append(seg)
    return out


def _claim_rows(checked: Checked, user) -> list[dict]:
    rows = []
    units = {u.uid: u for u in Unit.objects.filter(uid__in={c.unit_code for c in checked.report.claims if c.unit_code})}
    flagged = {f.claim_span for f in checked.all_findings if f.claim_span}
    for i, c in enumerate(checked.report.claims):
        fig = f"{_num(c.achieved)}/{_num(c.total)}" if c.total is not None else _num(c.achieved)
        if c.kind == "units":
            kind = c.unit_type or KIND_WORD["units"]
        else:
            kind = KIND_WORD[c.kind]
        rows.append(
            {
                "n": i + 1,
                "index": i,
                "claim": c,
                "figure": fig,
                "kind": kind,
                "percent": (F.number(c.percent, c.percent_places if c.percent_places is not None else 2) + "%")
                if c.percent is not None
                else "",
                "unmet": "; ".join(x.code for x in c.unmet) if c.unmet else "",
                "stored": _num(checked.stored_values[i]) if i in checked.stored_values else "",
                "flagged": c.span in flagged
                or any(c.span[0] <= f.span[0] and f.span[1] <= c.span[1] for f in checked.all_findings),
                "savable": savable(c) and c.unit_code in units and can_enter(user, units[c.unit_code]),
            }
        )
    return rows


def _result_context(checked: Checked, text: str, source: str, context: str, user) -> dict:
    report = checked.report
    findings = checked.all_findings
    claims = _claim_rows(checked, user)
    return {
        "checked": checked,
        "report": report,
        "segments": segments(report.text, checked),
        "claims": claims,
        "findings": [{"n": j + 1, "f": f, "label": FINDING_LABEL[f.severity]} for j, f in enumerate(findings)],
        "n_errors": sum(1 for f in findings if f.severity == "error"),
        "n_warnings": sum(1 for f in findings if f.severity == "warning"),
        "save_form": SaveForm(initial={"text": text, "source": source, "context": context}),
        "any_savable": any(r["savable"] for r in claims),
    }


@login_required
@require_http_methods(["GET", "POST"])
def check_page(request):
    context: dict = {}
    if request.method == "POST":
        form = CheckForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            source = ""
            try:
                if upload:
                    source = upload.name
                    text = read_upload(upload.read(CHUNK_LIMIT), upload.name)
                else:
                    text = form.cleaned_data["text"]
                checked = check(text, user=request.user, source=source or None, context_names=form.context_names())
            except CheckError as exc:
                form.add_error("file" if upload else "text", str(exc))
            else:
                context.update(
                    _result_context(
                        checked, checked.report.text, source, form.cleaned_data.get("context") or "", request.user
                    )
                )
    else:
        form = CheckForm()
    context["form"] = form
    context["saved"] = scope(ReportedFigure.objects.select_related("unit"), request.user)[:10]
    return render(request, "claims/check.html", context, status=400 if form.errors else 200)


CHUNK_LIMIT = 5 * 1024 * 1024 + 1  # read at most one byte past the limit; the service refuses the rest


@login_required
@require_POST
def save(request):
    form = SaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Không lưu được: thiếu văn bản đã kiểm tra. Hãy kiểm tra lại.")
        return redirect("claims-check")
    try:
        indexes = sorted({int(x) - 1 for x in request.POST.getlist("claim")})
    except ValueError:
        indexes = []
    text, source = form.cleaned_data["text"], form.cleaned_data.get("source") or ""
    try:
        checked = check(text, user=request.user, source=source or None, context_names=form.context_names())
    except CheckError as exc:
        messages.error(request, f"Không lưu được: {exc}")
        return redirect("claims-check")
    context = _result_context(checked, text, source, form.cleaned_data.get("context") or "", request.user)
    status = 200
    if not indexes:
        context["save_error"] = "Hãy chọn ít nhất một số liệu để lưu."
        status = 400
    else:
        try:
            rows = save_figures(checked, indexes, user=request.user)
        except PermissionError as exc:
            context["save_error"] = f"Không lưu gì: {exc}."
            status = 403
        except ValueError as exc:
            context["save_error"] = f"Không lưu gì: {exc}."
            status = 400
        else:
            context["save_ok"] = f"Đã lưu {len(rows)} số liệu báo cáo."
    context["form"] = CheckForm(initial={"text": text, "context": form.cleaned_data.get("context") or ""})
    context["saved"] = scope(ReportedFigure.objects.select_related("unit"), request.user)[:10]
    return render(request, "claims/check.html", context, status=status)


@login_required
@require_GET
def saved_list(request):
    rows = scope(ReportedFigure.objects.select_related("unit"), request.user)[:500]
    return render(request, "claims/saved.html", {"rows": rows})
