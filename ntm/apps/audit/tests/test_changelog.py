"""Change logging by construction: every create, save and delete of a change-logged model leaves
one record with its fields before and after, the user and the request; bulk writes too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from ntm.apps.accounts.models import Membership, Role
from ntm.apps.audit import changelog
from ntm.apps.audit.models import Action, AuditEvent, ObjectChange
from ntm.apps.evaluations.tests.fixtures import demo_db, ntm_middleware  # noqa: F401
from ntm.apps.observations.testing import save_version
from ntm.apps.units import classifications as C
from ntm.apps.units.models import Classification, Unit

pytestmark = pytest.mark.django_db


def changes_of(obj) -> list[ObjectChange]:
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(type(obj))
    return list(ObjectChange.objects.filter(content_type=ct, object_id=obj.pk).order_by("id"))


def test_the_facts_users_change_are_change_logged_and_observations_are_not():
    labels = {m._meta.label for m in changelog.logged_models()}
    assert {
        "units.Unit",
        "units.Classification",
        "observations.Fact",
        "catalog.SetVersion",
        "plans.PlanTarget",
        "plans.Recognition",
        "plans.ProvinceTarget",
        "accounts.Membership",
    } <= labels
    assert "observations.Observation" not in labels  # history-kept, audited per batch


def test_create_update_delete_leave_one_record_each_with_the_user(admin_user):
    unit = Unit.objects.get(uid="xa:13570@2024")
    user = get_user_model().objects.create_user("thu_nghiem")
    with changelog.acting(admin_user):
        m = Membership.objects.create(user=user, unit=unit, role=Role.ENTRY)
        m.save()  # nothing changed: no record
        m.role = Role.REVIEWER
        m.save()
        pk = m.pk
        m.delete()
    m.pk = pk
    made, edited, gone = changes_of(m)
    assert [c.action for c in (made, edited, gone)] == ["create", "update", "delete"]
    assert {c.username for c in (made, edited, gone)} == {"admin"}
    assert made.before is None and made.after["role"] == Role.ENTRY and made.after["unit"] == unit.pk
    assert edited.changes() == [("vai trò", Role.ENTRY.label, Role.REVIEWER.label)]
    assert gone.after is None and gone.before["role"] == Role.REVIEWER
    assert made.unit_uid == "xa:13570@2024" and made.unit_path == unit.path


def test_a_queryset_delete_is_recorded_too(admin_user):
    unit = Unit.objects.get(uid="xa:13570@2024")
    user = get_user_model().objects.create_user("thu_nghiem")
    Membership.objects.create(user=user, unit=unit, role=Role.ENTRY)
    Membership.objects.filter(user=user).delete()
    assert list(ObjectChange.objects.filter(action="delete").values_list("before__role", flat=True)) == ["entry"]


def test_a_group_change_records_the_classification_and_the_units_mirror(admin_user):
    Classification.objects.all().delete()
    nam_xang = Unit.objects.get(uid="xa:13591@2025")
    row = C.Row(
        unit=nam_xang,
        kind="group",
        group="2",
        valid_from=dt.date(2026, 2, 15),
        valid_to=None,
        decision_number="5/QĐ-UBND (thử)",
        decision_date=dt.date(2026, 2, 10),
        issued_by="UBND tỉnh (thử)",
    )
    with changelog.acting(admin_user):
        C.save([row], user=admin_user, enqueue=False)
    (unit_change,) = changes_of(nam_xang)  # the mirror is a bulk update: recorded in bulk
    assert unit_change.action == "update" and unit_change.username == "admin"
    assert unit_change.changes() == [("nhóm xã (2026–2030)", "(trống)", "nhóm 2")]
    (made,) = changes_of(Classification.objects.get(unit=nam_xang))
    assert ("nhóm", "(trống)", "nhóm 2") in made.changes()


def test_saving_an_observation_records_no_object_change():
    before = ObjectChange.objects.count()
    save_version(
        unit=Unit.objects.get(uid="xa:13570@2024"),
        set_code="xa-ntm-2021",
        indicator="1.1",
        period="2023-07",
        year=2023,
        assessment=True,
    )
    assert ObjectChange.objects.count() == before


def test_a_request_ties_its_event_and_its_object_changes(client, demo_db, ntm_middleware):  # noqa: F811
    Classification.objects.filter(unit__uid="xa:13627@2025").delete()
    client.force_login(get_user_model().objects.get(username="demo_ninhbinh"))
    client.post(
        "/don-vi/xa:13627@2025/phan-loai/",
        {
            "kind": "group",
            "group": "3",
            "valid_from": "15/02/2026",
            "decision_number": "9/QĐ-UBND",
            "decision_date": "10/02/2026",
            "issued_by": "UBND tỉnh Ninh Bình",
        },
    )
    event = AuditEvent.objects.filter(action=Action.CLASSIFICATION_SAVED).latest("id")
    records = ObjectChange.objects.filter(request_id=event.request_id)
    assert event.request_id and records.count() == 2  # the classification and the unit's mirror
    assert {r.username for r in records} == {"demo_ninhbinh"}


def test_the_changes_page_shows_old_and_new_per_field_within_the_readers_units(
    client,
    demo_db,  # noqa: F811
    ntm_middleware,  # noqa: F811
):
    from bs4 import BeautifulSoup

    Classification.objects.all().delete()
    nam_xang = Unit.objects.get(uid="xa:13591@2025")
    group = "3" if nam_xang.commune_group == "1" else "1"  # not the group it has
    ninh_binh = get_user_model().objects.get(username="demo_ninhbinh")
    with changelog.acting(ninh_binh):
        C.save(
            [
                C.Row(
                    unit=nam_xang,
                    kind="group",
                    group=group,
                    valid_from=dt.date(2026, 2, 15),
                    valid_to=None,
                    decision_number="7/QĐ-UBND (thử)",
                    decision_date=dt.date(2026, 2, 10),
                    issued_by="UBND tỉnh (thử)",
                )
            ],
            enqueue=False,
        )
    client.force_login(ninh_binh)
    url = "/nhat-ky/thay-doi/?kind=units.unit&user=demo_ninhbinh"
    page = BeautifulSoup(client.get(url).content, "html.parser")
    rows = page.select("table.object-changes tbody tr")
    assert len(rows) == 1
    (item,) = rows[0].select("ul.changes li")
    assert item.select_one(".field").get_text() == "nhóm xã (2026–2030)"
    was = nam_xang.get_commune_group_display() or "(trống)"  # the demo's group, before this decision
    assert (item.select_one(".old").get_text(), item.select_one(".new").get_text()) == (was, f"nhóm {group}")
    assert "Xã Nam Xang" in rows[0].get_text()

    client.force_login(get_user_model().objects.get(username="demo_huyen"))  # Lý Nhân (before the reform)
    page = BeautifulSoup(client.get(url).content, "html.parser")
    assert page.select("table.object-changes tbody tr td.muted")  # "Không có thay đổi nào."

    client.force_login(get_user_model().objects.get(username="demo_xa"))  # data entry only
    assert client.get("/nhat-ky/thay-doi/").status_code == 403


def test_the_changes_page_reads_in_english_too(client, demo_db, ntm_middleware):  # noqa: F811
    from bs4 import BeautifulSoup

    client.force_login(get_user_model().objects.get(username="demo_ninhbinh"))
    client.post("/tai-khoan/ngon-ngu/", {"language": "en", "next": "/"})
    page = BeautifulSoup(client.get("/nhat-ky/thay-doi/").content, "html.parser")
    assert page.select_one("h1").get_text(strip=True) == "Data changes"
    options = [o.get_text() for o in page.select("select[name=action] option")]
    assert options[1:] == ["Created", "Edited", "Deleted"]


# Models of the project that are not change-logged, each with the reason; any other model must declare
# change_log (a new model cannot be forgotten).
NOT_LOGGED = {
    "units.UnitLink": "lineage from the shipped dataset, rewritten by every load",
    "catalog.CatalogGeneration": "a counter; the versions it counts are change-logged (SetVersion)",
    "observations.Observation": "the current value of a cell; every version is kept in ObservationVersion",
    "observations.ObservationVersion": "append-only history with version and author; each batch is an audit event",
    "observations.Submission": "workflow state; each step is an audit event and a SubmissionEvent",
    "observations.SubmissionEvent": "the workflow's own history",
    "observations.ReviewComment": "each comment is an audit event (review_comment)",
    "evaluations.Result": "computed from the inputs, never entered",
    "evaluations.ResultAll": "computed",
    "evaluations.RollupState": "computed",
    "evaluations.RollupStateAll": "computed",
    "evaluations.RollupResult": "computed",
    "evaluations.RollupResultAll": "computed",
    "evaluations.StagedResult": "computed (a run's staging)",
    "evaluations.ReevaluationRun": "the runs are their own record (who, why, when)",
    "evaluations.DataVersion": "page-cache counters",
    "evaluations.DataChange": "page-cache change log",
    "accounts.ApiToken": "credentials: not copied into a log",
    "audit.AuditEvent": "the audit log itself",
    "audit.ObjectChange": "the change log itself",
    "reports.ImportBatch": "the record of an import; its rows are observations",
    "claims.ReportedFigure": "read by the report checker from a text, not entered",
    "ops.WorkerBeat": "running state of the installation",
    "ops.LoginFailure": "running state; failed log-ins are audit events",
}


def test_every_model_is_change_logged_or_says_why_not():
    from django.apps import apps

    ours = {m._meta.label: m for m in apps.get_models() if m.__module__.startswith("ntm.")}
    logged = {label for label, m in ours.items() if changelog.options(m) is not None}
    assert set(ours) - logged - set(NOT_LOGGED) == set()  # declare change_log, or add the reason here
    assert logged & set(NOT_LOGGED) == set()
    assert set(NOT_LOGGED) <= set(ours)  # no reason kept for a model that is gone


def test_the_changes_page_reads_the_units_and_users_it_names_once_not_per_row(client, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    units = list(Unit.objects.filter(level="commune").order_by("id")[:8])
    people = [get_user_model().objects.create_user(f"nguoi{k}", password="mat-khau-rat-dai-1") for k in range(8)]
    client.force_login(admin_user)

    def queries_with(n: int) -> int:
        with changelog.acting(admin_user):
            for person, unit in zip(people[:n], units[:n]):
                Membership.objects.get_or_create(user=person, unit=unit, defaults={"role": Role.ENTRY})
        with CaptureQueriesContext(connection) as seen:
            page = client.get("/nhat-ky/thay-doi/?kind=accounts.membership")
        assert page.status_code == 200 and page.content.decode().count("nguoi") >= 2 * n  # each names its user
        return len(seen)

    few = queries_with(2)
    assert queries_with(8) == few  # six more rows, no more queries
