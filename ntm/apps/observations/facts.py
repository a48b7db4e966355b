"""Facts: what a criteria set's conditions read besides the indicators — people's satisfaction, no
construction debt, no complex security situation, a civilised town… — one value per unit, name and
period, history kept.

The one write path for :class:`~ntm.apps.observations.models.Fact` (the entry screen, the admin
and the demo all call :func:`record`):

- the name must be one the catalogue's conditions read for the unit's level (:func:`kinds`); a
  yes/no fact takes 1 or 0, a number is at least 0 (a percentage at most 100);
- a new value never overwrites: the current row is kept as history (``is_current`` false) and the
  new one gets the next version; a form that read version *n* and saves after someone else saved
  *n + 1* is refused (:class:`FactConflict`) instead of overwriting it;
- every row written is change-logged (the model declares ``change_log``) and announced with
  :data:`fact_saved`, which the evaluation listens to (it re-evaluates the unit's stored results
  of the sets that read the fact, and its parent's for a share of communes) — in the same
  transaction, like a value saved through the form.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal

from ntm.core.catalog import Catalog, default_catalog
from ntm.core.periods import Period

from .models import Fact

# sent inside the transaction of the write: sender=Fact, fact=<the new row>, previous=<row or None>
fact_saved = Signal()

COMMUNE = "commune"  # the level whose facts a parent's children_share condition counts


@dataclass(frozen=True)
class FactKind:
    """A fact the catalogue reads: its name, the label of the condition, whether it is yes/no, and
    the sets that read it."""

    name: str
    label: str
    boolean: bool
    percent: bool
    sets: tuple[str, ...]


class FactError(ValueError):
    """Bad input, with the field it concerns."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class FactConflict(FactError):
    def __init__(self, current: Fact):
        self.current = current
        who = current.created_by_name or "(không rõ)"
        super().__init__(
            "value",
            f"Giá trị này vừa được {who} sửa (phiên bản {current.version}); hãy xem lại trước khi ghi.",
        )


def kinds(level: str, catalog: Catalog | None = None, unit_type: str | None = None) -> list[FactKind]:
    """The facts recorded for a unit of ``level`` (``commune``, ``district``…), in catalogue order:
    those of its sets' ``fact_min``/``fact_true`` conditions, and those a parent's
    ``children_share`` condition counts among its communes (of ``unit_type`` when given: a
    civilised-town fact concerns thị trấn only)."""
    catalog = catalog or default_catalog()
    found: dict[str, dict] = {}
    for s in catalog:
        for c in s.conditions:
            if not c.fact:
                continue
            if c.type in ("fact_min", "fact_true") and s.level == level:
                boolean = c.type == "fact_true"
            elif c.type == "children_share" and level == COMMUNE:
                if unit_type and c.child_types and unit_type not in c.child_types:
                    continue
                boolean = True
            else:
                continue
            k = found.setdefault(c.fact, {"label": c.label, "boolean": boolean, "sets": []})
            k["boolean"] = k["boolean"] and boolean
            if s.code not in k["sets"]:
                k["sets"].append(s.code)
    return [
        FactKind(
            name,
            v["label"],
            v["boolean"],
            not v["boolean"] and "pct" in name,
            tuple(v["sets"]),
        )
        for name, v in found.items()
    ]


def kind_of(unit, name: str, catalog: Catalog | None = None) -> FactKind:
    for k in kinds(unit.level, catalog, unit.type):
        if k.name == name:
            return k
    raise FactError("name", f"«{name}» không phải thông tin bổ sung mà bộ tiêu chí đọc cho {unit.name}.")


def current(unit, period: str) -> dict[str, Fact]:
    key = Period.parse(period).key
    return {f.name: f for f in Fact.objects.filter(unit=unit, period=key, is_current=True)}


def history(unit, period: str, name: str | None = None) -> list[Fact]:
    """Every version, newest first."""
    qs = Fact.objects.filter(unit=unit, period=Period.parse(period).key)
    if name:
        qs = qs.filter(name=name)
    return list(qs.order_by("name", "-version"))


def check_value(kind: FactKind, value: float | None) -> None:
    if value is None:
        return
    if kind.boolean and value not in (0, 1):
        raise FactError("value", "Thông tin có/không chỉ nhận «có» (1) hoặc «không» (0).")
    if value < 0:
        raise FactError("value", "Giá trị không được âm.")
    if kind.percent and value > 100:
        raise FactError("value", "Tỷ lệ không được lớn hơn 100%.")


def _user_name(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return (user.get_full_name() or user.get_username())[:150]


def record(
    unit,
    name: str,
    period: str,
    value: float | None,
    *,
    user=None,
    note: str = "",
    expected_version: int | None = None,
    catalog: Catalog | None = None,
) -> Fact:
    """Record a fact (see the module's rules); returns the current row (unchanged when the value
    and note are the ones stored)."""
    try:
        p = Period.parse(period)
    except ValueError as exc:
        raise FactError("period", str(exc)) from None
    check_value(kind_of(unit, name, catalog), value)
    note = (note or "").strip()
    who = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        cur = Fact.objects.select_for_update().filter(unit=unit, name=name, period=p.key, is_current=True).first()
        if expected_version is not None and (cur.version if cur else 0) != expected_version:
            if cur is not None:
                raise FactConflict(cur)
            raise FactError("value", "Giá trị này đã bị xóa hoặc chưa từng có; hãy tải lại trang.")
        version = 1
        if cur is not None:
            if cur.value == value and cur.note == note:
                return cur
            version = cur.version + 1
            cur.is_current = False
            cur.save(update_fields=["is_current"])
        new = Fact.objects.create(
            unit=unit,
            name=name,
            period=p.key,
            year=p.year,
            value=value,
            note=note,
            version=version,
            created_by=who,
            created_by_name=_user_name(who),
        )
        fact_saved.send(sender=Fact, fact=new, previous=cur)
    return new
