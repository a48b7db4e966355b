"""A catalogue imported in the web application takes effect everywhere: its version is stored and
change-logged, a re-evaluation of what it changes is queued, and every process loads the new
catalogue at its next check — no restart."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile

import ntm.core.catalog as catalog_module
from ntm.apps.audit.models import ObjectChange
from ntm.apps.catalog import services
from ntm.apps.catalog.models import CatalogGeneration, SetVersion
from ntm.apps.evaluations.models import ReevaluationRun, Result
from ntm.apps.reports.tests.test_catalog_annex import annex
from ntm.apps.units.models import Unit
from ntm.core.catalog import default_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_catalog(tmp_path, monkeypatch):
    monkeypatch.setenv("NTM_CATALOG_PATH", str(tmp_path))
    catalog_module.forget_default_catalog()
    services.sync_catalog()
    saved = services._Seen(generation=services.generation(), marker=None)
    monkeypatch.setattr(services, "_seen", saved)
    yield tmp_path
    monkeypatch.delenv("NTM_CATALOG_PATH")
    catalog_module.forget_default_catalog()


def thresholds(cat, code="3.1"):
    return [(t.scope, t.value) for t in cat.get("xa-ntm-2026").thresholds_of(code)]


def test_an_import_in_the_web_app_reevaluates_and_reaches_every_worker(client, admin_user, local_catalog):
    Result.objects.create(  # something stored for the set: the new values must be applied to it
        unit=Unit.objects.get(uid="xa:13591@2025"),
        set_code="xa-ntm-2026",
        period="2026-Q3",
        year=2026,
        criteria_met=1,
        criteria_total=10,
        indicators_met=5,
        indicators_total=47,
        standard_met=False,
        catalog_version="x",
    )
    before = services.generation()
    other_worker = services._Seen(generation=before, marker=None)  # a second process, loaded before
    old_catalogue = default_catalog()
    assert thresholds(old_catalogue) == []  # no official value shipped

    client.force_login(admin_user)
    data = annex({"3.1": {"Nhóm 1": "≥ 90%", "Nhóm 2": "≥ 80%", "Nhóm 3": "≥ 70%"}})
    resp = client.post(
        "/bao-cao/bo-tieu-chi/nhap/",
        {"action": "write", "file": SimpleUploadedFile("phu-luc.xlsx", data)},
    )
    page = BeautifulSoup(resp.content, "html.parser")
    assert page.select_one("p.catalog-runs") is not None

    assert services.generation() == before + 1
    assert CatalogGeneration.objects.get().reason.startswith("Nhập bộ tiêu chí từ tệp phu-luc.xlsx")
    run = ReevaluationRun.objects.latest("pk")
    assert "xa-ntm-2026" in run.set_codes and run.created_by == admin_user
    version = SetVersion.objects.filter(code="xa-ntm-2026").latest("loaded_at")
    change = ObjectChange.objects.get(content_type__model="setversion", object_id=version.pk)
    assert change.action == "create" and change.username == "admin"

    # the other worker: still the old catalogue until its next check, then the new one
    services._seen = other_worker
    catalog_module._DEFAULT = old_catalogue
    assert thresholds(default_catalog()) == []
    client.get("/")  # any request: the middleware checks the generation
    assert thresholds(default_catalog()) == [("group:1", 90), ("group:2", 80), ("group:3", 70)]
    assert other_worker.generation == before + 1


def test_the_same_files_again_change_nothing(local_catalog):
    before = services.generation()
    done = services.publish(reason="thử lại")
    assert (done.changed, done.runs, services.generation()) == ([], [], before)


def test_a_request_reads_the_database_only_after_the_marker_changed(local_catalog, django_assert_num_queries):
    services.ensure_current()  # the first look
    with django_assert_num_queries(0):
        assert services.ensure_current() is False
    number = services.bump("thử: một tiến trình khác công bố")  # another process published
    (local_catalog / services.MARKER).write_text(f"{number}\n", encoding="utf-8")
    with django_assert_num_queries(1):
        assert services.ensure_current() is True  # the stored generation differs from this process's
    with django_assert_num_queries(0):
        assert services.ensure_current() is False


def test_a_process_started_before_a_change_reloads_at_its_next_request(local_catalog, monkeypatch):
    monkeypatch.setattr(services, "_seen", services._Seen())  # a fresh process
    services.note_start()  # its middleware is set up, then its catalogue loaded
    assert services.ensure_current() is False  # nothing changed since
    number = services.bump("thử: một tiến trình khác công bố")
    (local_catalog / services.MARKER).write_text(f"{number}\n", encoding="utf-8")
    assert services.ensure_current() is True
