"""Recognition decisions (quyết định công nhận đạt chuẩn): the rules shared by the pages and the API.

- :func:`recognition_errors` — the checks of a decision before it is stored (a xã, a commune set of
  the catalogue, a decision date not in the future, one decision per xã and set), each as a
  Vietnamese message keyed by field;
- :func:`save_recognition` / :func:`delete_recognition` — write and record the change in the audit
  log (who, when, old → new) in one transaction; a concurrent duplicate becomes :class:`Duplicate`;
- :func:`latest_results` — each commune's current stored result (its newest period) for the set it
  was recognised at, read in one query, to show whether it still meets the standard.

Who may write: :func:`~.permissions.can_recognise` (the province's office).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ntm.apps.audit.models import Action
from ntm.apps.audit.services import log
from ntm.apps.catalog.choices import code_label as set_label
from ntm.apps.evaluations.dataview import results
from ntm.apps.units.models import Level, Unit
from ntm.core import formatting as fmt
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period, period_order
from ntm.core.standards import national_commune_sets

from .models import Recognition

STATUS_LABELS = {  # translated where shown
    "met": gettext_noop("Vẫn đạt chuẩn"),
    "below": gettext_noop("Không còn đạt chuẩn"),
    "nodata": gettext_noop("Chưa có kết quả đánh giá"),
}


class Duplicate(ValueError):
    """The xã already has a decision for this set (message in Vietnamese)."""


def standard_choices() -> list[tuple[str, str]]:
    """The national commune sets a xã registers a plan for or is recognised at, by phase and tier, as
    choices ("Bộ tiêu chí xã nông thôn mới … (2021-2025)")."""
    return [(s.code, f"{s.name} ({s.phase})") for s in national_commune_sets(default_catalog())]


def recognition_sets() -> list[tuple[str, str]]:
    """The commune sets a xã can be recognised at (the national sets, as for plans)."""
    return standard_choices()


def duplicate_message(unit: Unit, existing: Recognition) -> str:
    return (
        f"{unit.name} đã có quyết định công nhận đạt chuẩn {set_label(existing.set_code)} "
        f"(số {existing.decision} ngày {fmt.date(existing.decision_date)}); hãy sửa quyết định đã có."
    )


def recognition_errors(
    *, unit: Unit | None, set_code: str | None, decision_date: dt.date | None, instance: Recognition | None = None
) -> dict[str, str]:
    """Field → Vietnamese message for every rule the decision breaks (empty: it may be stored)."""
    errors: dict[str, str] = {}
    if unit is not None and unit.level != Level.COMMUNE:
        errors["unit"] = f"{unit.name} không phải đơn vị cấp xã: chỉ xã được công nhận đạt chuẩn xã."
    if set_code is not None and set_code not in dict(recognition_sets()):
        cat = default_catalog()
        if set_code in cat and cat.get(set_code).level != "commune":
            errors["set_code"] = f"Bộ tiêu chí {set_code} không phải bộ tiêu chí cấp xã."
        else:
            errors["set_code"] = f"Không có bộ tiêu chí cấp xã «{set_code}» trong danh mục."
    if decision_date is not None and decision_date > timezone.localdate():
        errors["decision_date"] = (
            f"Ngày quyết định {fmt.date(decision_date)} ở tương lai (hôm nay là {fmt.date(timezone.localdate())})."
        )
    if unit is not None and set_code and not errors:
        dup = Recognition.objects.filter(unit=unit, set_code=set_code)
        if instance is not None and instance.pk:
            dup = dup.exclude(pk=instance.pk)
        existing = dup.first()
        if existing is not None:
            errors["__all__"] = duplicate_message(unit, existing)
    return errors


def snapshot(rec: Recognition) -> dict:
    """What the audit log keeps of a decision (dates as dd/mm/yyyy, as the pages show them)."""
    return {
        "unit": rec.unit.uid,
        "set_code": rec.set_code,
        "decision": rec.decision,
        "decision_date": fmt.date(rec.decision_date),
        "issued_by": rec.issued_by,
        "note": rec.note,
    }


def describe(rec: Recognition) -> str:
    return f"{rec.unit.name} · {set_label(rec.set_code)} · QĐ {rec.decision}"


def save_recognition(rec: Recognition, user, *, old: dict | None = None, request=None) -> Recognition:
    """Store a new (``old`` None) or changed decision and its audit event, together."""
    creating = rec.pk is None
    if creating:
        rec.created_by = user
    try:
        with transaction.atomic():
            rec.save()
            new = snapshot(rec)
            log(
                Action.RECOGNITION_CREATED if creating else Action.RECOGNITION_UPDATED,
                user=user,
                unit=rec.unit,
                obj=describe(rec),
                request=request,
                message=("Nhập quyết định công nhận đạt chuẩn" if creating else "Sửa quyết định công nhận đạt chuẩn"),
                old=old,
                new=new,
            )
    except IntegrityError:
        if creating:
            rec.pk = None
        existing = Recognition.objects.filter(unit=rec.unit, set_code=rec.set_code).exclude(pk=rec.pk).first()
        if existing is None:
            raise
        raise Duplicate(duplicate_message(rec.unit, existing)) from None
    return rec


def delete_recognition(rec: Recognition, user, *, request=None) -> None:
    with transaction.atomic():
        old = snapshot(rec)
        log(
            Action.RECOGNITION_DELETED,
            user=user,
            unit=rec.unit,
            obj=describe(rec),
            request=request,
            message="Xóa quyết định công nhận đạt chuẩn",
            old=old,
            new=None,
        )
        rec.delete()


def latest_results(recs) -> dict[tuple[int, str], dict]:
    """{(unit id, set code): newest stored result} for the decisions ``recs`` — one query."""
    recs = list(recs)
    if not recs:
        return {}
    pairs = {(r.unit_id, r.set_code) for r in recs}
    out: dict[tuple[int, str], dict] = {}
    rows = (
        results()
        .objects.filter(unit_id__in={u for u, _ in pairs}, set_code__in={s for _, s in pairs})
        .values(
            "unit_id",
            "set_code",
            "period",
            "criteria_met",
            "criteria_total",
            "indicators_met",
            "indicators_total",
            "standard_met",
        )
    )
    for r in rows:
        key = (r["unit_id"], r["set_code"])
        if key not in pairs:
            continue
        cur = out.get(key)
        # the newest end first; of equal ends, the finer period (month over quarter/year)
        if cur is None or period_order(r["period"]) > period_order(cur["period"]):
            out[key] = r
    for r in out.values():
        r["period_label"] = Period.parse(r["period"]).label
    return out


def status_of(result: dict | None) -> str:
    if result is None:
        return "nodata"
    return "met" if result["standard_met"] else "below"
