"""Units announce a classification change; the evaluation and the audit log listen. Units' own
code imports neither of them, nor observations (read to find what to evaluate) nor accounts (the
memberships carried to successor units are the accounts' write)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from ntm.apps.units import classifications as C
from ntm.apps.units.models import Classification, Unit
from ntm.apps.units.signals import classification_changed

D = dt.date
UNITS = Path(C.__file__).parent
# the app's interface (pages, admin, API, command line) may show any layer; its domain code may not
INTERFACE = {"views.py", "admin.py", "api.py", "urls.py", "cli.py"}
ABOVE = ("ntm.apps.evaluations", "ntm.apps.observations", "ntm.apps.audit", "ntm.apps.accounts")


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
    return out


def test_the_units_domain_code_imports_no_evaluation_observation_audit_or_accounts():
    found = {
        (p.name, name)
        for p in UNITS.glob("*.py")
        if p.name not in INTERFACE
        for name in _imports(p)
        if name.startswith(ABOVE)
    }
    assert found == set()


@pytest.mark.django_db
def test_a_saved_group_is_announced_with_its_units_dates_and_old_and_new(admin_user):
    Classification.objects.all().delete()
    nam_xang = Unit.objects.get(uid="xa:13591@2025")
    heard = []

    def listener(sender, change, **kwargs):
        heard.append(change)

    classification_changed.connect(listener)
    try:
        saved = C.save(
            [
                C.Row(
                    unit=nam_xang,
                    kind="group",
                    group="3",
                    valid_from=D(2026, 7, 1),
                    valid_to=None,
                    decision_number="21/QĐ-UBND (thử)",
                    decision_date=D(2026, 6, 20),
                    issued_by="UBND tỉnh (thử)",
                )
            ],
            user=admin_user,
            reason="Nhóm mới theo quyết định thử",
            enqueue=False,
        )
    finally:
        classification_changed.disconnect(listener)
    (change,) = heard
    assert change.units == {nam_xang.pk} and change.kinds == {"group"}
    assert change.intervals == [(D(2026, 7, 1), None)]
    assert change.user == admin_user and change.reason == "Nhóm mới theo quyết định thử"
    (written,) = change.rows
    assert written.old is None and written.new["group"] == "3"
    # the evaluation wrote back what it queued; the page reads it from what save returns
    assert saved.run is change.run and saved.periods == change.periods


@pytest.mark.django_db
def test_a_deleted_classification_is_announced_with_its_old_values(admin_user):
    Classification.objects.all().delete()
    nam_xang = Unit.objects.get(uid="xa:13591@2025")
    C.save(
        [
            C.Row(
                unit=nam_xang,
                kind="special",
                group="",
                valid_from=D(2026, 1, 1),
                valid_to=None,
                decision_number="3/QĐ-TTg (thử)",
                decision_date=D(2025, 12, 20),
                issued_by="Thủ tướng Chính phủ (thử)",
            )
        ],
        enqueue=False,
    )
    heard = []
    classification_changed.connect(lambda sender, change, **kw: heard.append(change), weak=False, dispatch_uid="t")
    try:
        C.delete(Classification.objects.get(unit=nam_xang), user=admin_user, enqueue=False)
    finally:
        classification_changed.disconnect(dispatch_uid="t")
    (change,) = heard
    assert change.kinds == {"special"} and change.rows[0].new is None
    assert change.rows[0].old["decision_number"] == "3/QĐ-TTg (thử)"
    nam_xang.refresh_from_db()
    assert nam_xang.special is False
