"""The Django admin changes a commune's group through the classification service: the change is
checked, change-logged (old → new) and the results that depend on the group are evaluated again."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

import ntm.core.catalog as catalog_module
from ntm.apps.audit.models import ObjectChange
from ntm.apps.evaluations.models import ReevaluationRun, ResultAll
from ntm.apps.evaluations.tasks import run_reevaluation
from ntm.apps.evaluations.tests.fixtures import ntm_middleware  # noqa: F401
from ntm.apps.observations.services import Entry, record
from ntm.apps.units import classifications as C
from ntm.apps.units.models import Classification, Unit

pytestmark = pytest.mark.django_db

# a test set whose poverty ceiling depends on the commune group (values made up for the test)
GROUP_SET = """\
code: thu-nhom-admin
name: Bộ thử ngưỡng theo nhóm xã
phase: 2026-2030
level: commune
tier: ntm
scope_kind: group
legal_basis: {decision: thử, provenance: {source: test, tag: LOCAL}}
valid_from: 2026-02-15
criteria:
  - number: 1
    name: Giảm nghèo
    provenance: {source: test, tag: LOCAL}
    indicators:
      - code: "1.1"
        content: Tỷ lệ nghèo đa chiều
        kind: max_percent
        provenance: {source: test, tag: LOCAL}
        thresholds:
          - {scope: national, value: 3, provenance: {source: test, tag: LOCAL}}
          - {scope: "group:3", value: 10, provenance: {source: test, tag: LOCAL}}
"""


@pytest.fixture
def group_set(tmp_path, monkeypatch):
    (tmp_path / "thu-nhom-admin.yaml").write_text(GROUP_SET, encoding="utf-8")
    monkeypatch.setenv("NTM_CATALOG_PATH", str(tmp_path))
    catalog_module._DEFAULT = None
    yield
    monkeypatch.delenv("NTM_CATALOG_PATH")
    catalog_module._DEFAULT = None


def form_data(page: BeautifulSoup) -> dict[str, str]:
    """What the browser would post for the change form as it is shown."""
    form = page.select_one("form#unit_form")
    data = {}
    for field in form.select("input[name], select[name], textarea[name]"):
        name = field["name"]
        if field.name == "select":
            chosen = field.select_one("option[selected]")
            data[name] = chosen["value"] if chosen else ""
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.get("type") != "submit":
            data[name] = field.get("value", "")
    return data


def test_changing_a_group_in_the_admin_reevaluates_and_is_change_logged(
    client,
    admin_user,
    group_set,
    ntm_middleware,  # noqa: F811
):
    Classification.objects.filter(unit__uid="xa:13591@2025").delete()
    nam_xang = Unit.objects.get(uid="xa:13591@2025")
    C.save(
        [
            C.Row(
                unit=nam_xang,
                kind="group",
                group="1",
                valid_from=dt.date(2026, 2, 15),
                valid_to=None,
                decision_number="3/QĐ-UBND (thử)",
                decision_date=dt.date(2026, 2, 10),
                issued_by="UBND tỉnh (thử)",
            )
        ],
        enqueue=False,
    )
    record(Entry(nam_xang, "thu-nhom-admin", "2026-Q3", "1.1", value="5"))  # 5% poor households
    stored = ResultAll.objects.get(unit=nam_xang, set_code="thu-nhom-admin", period="2026-Q3")
    assert stored.standard_met is False  # group 1: the national ceiling, 3%

    client.force_login(admin_user)
    url = f"/admin/units/unit/{nam_xang.pk}/change/"
    data = form_data(BeautifulSoup(client.get(url).content, "html.parser"))
    (key,) = [k for k, v in data.items() if k.startswith("classifications-") and k.endswith("-group") and v == "1"]
    data[key] = "3"
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]

    nam_xang.refresh_from_db()
    assert nam_xang.commune_group == "3"
    run = ReevaluationRun.objects.latest("pk")
    assert "thu-nhom-admin" in run.set_codes and run.periods == ["2026-Q3"]
    run_reevaluation(run.pk)  # what the worker does
    stored.refresh_from_db()
    assert stored.standard_met is True  # group 3: its own ceiling, 10%

    change = ObjectChange.objects.filter(object_id=nam_xang.pk, content_type__model="unit").latest("id")
    assert change.username == "admin" and change.request_id
    assert change.changes() == [("nhóm xã (2026–2030)", "nhóm 1", "nhóm 3")]


def test_an_overlap_entered_in_the_admin_is_refused_and_changes_nothing(
    client,
    admin_user,
    ntm_middleware,  # noqa: F811
):
    Classification.objects.filter(unit__uid="xa:13591@2025").delete()
    nam_xang = Unit.objects.get(uid="xa:13591@2025")
    client.force_login(admin_user)
    url = f"/admin/units/unit/{nam_xang.pk}/change/"
    data = form_data(BeautifulSoup(client.get(url).content, "html.parser"))
    data.update(
        {
            "classifications-TOTAL_FORMS": "1",
            "classifications-0-kind": "group",
            "classifications-0-group": "2",
            "classifications-0-valid_from": "2026-02-15",
            "classifications-0-decision_number": "",  # missing: the service refuses the row
            "classifications-0-decision_date": "2026-02-10",
            "classifications-0-issued_by": "UBND tỉnh (thử)",
        }
    )
    resp = client.post(url, data)
    assert resp.status_code == 200
    page = BeautifulSoup(resp.content, "html.parser")
    assert page.select(".errorlist")
    assert not Classification.objects.filter(unit=nam_xang).exists()
