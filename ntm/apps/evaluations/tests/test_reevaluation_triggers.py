"""What starts a background re-evaluation: new versions of criteria sets loaded by ``ntm setup`` (an
upgrade), and the operator's ``ntm reevaluate``; the dashboards announce a run until it is done."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ntm import cli
from ntm.apps.catalog.models import SetVersion
from ntm.apps.catalog.services import sync_catalog
from ntm.apps.evaluations import tasks
from ntm.apps.evaluations.models import ReevaluationRun

from .fixtures import task_worker  # noqa: F401 (fixture)
from .test_tasks import NC, NTM, PERIOD, figures, import_without_evaluating, ly_nhan  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
KM = "xa-kieu-mau-2021"


def test_a_new_version_of_a_set_with_results_queues_one_run_for_it_and_its_dependents(ly_nhan, task_worker):
    district, units = ly_nhan
    import_without_evaluating(units)  # observations newer than the stored results
    sync_catalog()
    SetVersion.objects.filter(code=NTM).delete()  # the stored version is not the catalogue's any more
    info = sync_catalog()
    assert info["changed"] == [NTM]
    run = tasks.reevaluate_changed_sets(info["changed"])
    assert run is not None and run.status == ReevaluationRun.Status.QUEUED and run.task_id
    assert set(run.set_codes) == {NTM, NC, KM}  # nâng cao depends on NTM, kiểu mẫu on nâng cao: redone too
    assert "xa-ntm-2021" in run.reason
    assert figures(district) == (6, 3, 18.5)  # the previous results until the worker has run
    task_worker()
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.DONE, run.message
    assert figures(district) == (6, 6, 19.0)
    assert sync_catalog()["changed"] == []  # loading the same catalogue again changes nothing


def test_a_database_without_results_queues_nothing():
    assert tasks.reevaluate_changed_sets([NTM]) is None
    assert not ReevaluationRun.objects.exists()


def test_ntm_setup_after_an_upgrade_queues_the_run(ly_nhan, monkeypatch, capsys):
    import ntm.apps.units.cli as units_cli

    monkeypatch.setattr(units_cli, "cmd_load", lambda console=None: {})  # the units are loaded already
    sync_catalog()
    SetVersion.objects.filter(code=NC).delete()  # nâng cao has no data here: nothing to redo
    assert cli.main(["setup"]) == 0
    assert not ReevaluationRun.objects.exists()
    SetVersion.objects.filter(code=NTM).delete()
    assert cli.main(["setup"]) == 0
    out = capsys.readouterr().out
    run = ReevaluationRun.objects.get()
    assert set(run.set_codes) == {NTM, NC, KM} and run.status == ReevaluationRun.Status.QUEUED
    assert f"lượt #{run.pk}" in out and "hàng đợi" in out
    assert cli.main(["setup"]) == 0  # nothing changed since: no second run
    assert ReevaluationRun.objects.count() == 1


def test_ntm_reevaluate_here_recomputes_with_a_summary(ly_nhan, capsys):
    district, units = ly_nhan
    import_without_evaluating(units)
    assert cli.main(["reevaluate", "--set", NTM, "--period", PERIOD, "--here"]) == 0
    out = capsys.readouterr().out
    run = ReevaluationRun.objects.get()
    assert run.status == ReevaluationRun.Status.DONE and not run.task_id  # not queued: run by the command
    assert f"Đã đánh giá lại lượt #{run.pk} (xa-ntm-2021; 2024-Q4): 1 (bộ, kỳ)" in out
    assert figures(district) == (6, 6, 19.0)


def test_ntm_reevaluate_queues_by_default_and_refuses_unknown_sets_and_periods(ly_nhan, capsys):
    assert cli.main(["reevaluate", "--period", PERIOD]) == 0
    run = ReevaluationRun.objects.get()
    assert run.status == ReevaluationRun.Status.QUEUED and run.task_id and run.periods == [PERIOD]
    assert "vào hàng đợi" in capsys.readouterr().out
    assert cli.main(["reevaluate", "--set", "xa-khong-co"]) == 1
    assert "không có bộ tiêu chí 'xa-khong-co'" in capsys.readouterr().err
    assert cli.main(["reevaluate", "--period", "2024-Q7"]) == 1
    assert "2024-Q7" in capsys.readouterr().err
    assert ReevaluationRun.objects.count() == 1


def test_the_dashboards_announce_a_run_until_it_is_done(ly_nhan, client, admin_user, task_worker):
    district, units = ly_nhan
    client.force_login(admin_user)
    page = reverse("overview") + f"?unit={district.uid}&period={PERIOD}"
    assert 'id="reevaluation"' in client.get(page).content.decode()
    assert "Đang đánh giá lại" not in client.get(page).content.decode()
    import_without_evaluating(units)
    run = tasks.start_reevaluation([NTM], [PERIOD], reason="nhập cả huyện")
    html = client.get(page).content.decode()  # a kept page is built again: the run is announced
    assert f"Đang đánh giá lại trong nền (lượt #{run.pk}, nhập cả huyện): đang chờ tiến trình nền, 0/0" in html
    assert f'hx-get="{reverse("reevaluation-status")}?runs={run.pk}"' in html and 'hx-trigger="every 5s"' in html
    for name in ("communes", "gaps"):
        assert f"lượt #{run.pk}" in client.get(reverse(name) + f"?unit={district.uid}&period={PERIOD}").content.decode()
    task_worker()
    poll = client.get(reverse("reevaluation-status"), {"runs": str(run.pk)}, HTTP_HX_REQUEST="true").content.decode()
    assert f"Lượt đánh giá lại #{run.pk} đã xong." in poll and "hx-trigger" not in poll  # polling stops
    assert "Đang đánh giá lại" not in client.get(page).content.decode()


def test_the_notice_in_english(ly_nhan, client, admin_user):
    district, _ = ly_nhan
    client.force_login(admin_user)
    run = tasks.start_reevaluation([NTM], [PERIOD], reason="nhập cả huyện")
    client.post("/tai-khoan/ngon-ngu/", {"language": "en", "next": "/"})
    html = client.get(reverse("overview") + f"?unit={district.uid}&period={PERIOD}").content.decode()
    assert (
        f"Re-evaluating in the background (run #{run.pk}, nhập cả huyện): waiting for the task worker, 0/0 "
        "(set, period) pairs. This page shows the previous results until it is done."
    ) in html


def test_a_failed_run_is_reported_without_its_error_text(ly_nhan, client, admin_user, monkeypatch):
    district, units = ly_nhan
    client.force_login(admin_user)
    run = tasks.start_reevaluation([NTM], [PERIOD], enqueue=False)
    monkeypatch.setattr(tasks, "switch", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("mật khẩu=abc")))
    with pytest.raises(RuntimeError):
        tasks.run_reevaluation(run.pk)
    poll = client.get(reverse("reevaluation-status"), {"runs": str(run.pk)}).content.decode()
    assert f"Lượt đánh giá lại #{run.pk} bị lỗi" in poll and "mật khẩu" not in poll
    assert "Đang đánh giá lại" not in client.get(reverse("overview") + f"?unit={district.uid}").content.decode()


def test_the_status_needs_a_login(client):
    r = client.get(reverse("reevaluation-status"))
    assert r.status_code == 302 and r["Location"].startswith("/tai-khoan/dang-nhap/")


def test_an_interrupted_run_is_not_left_under_way(ly_nhan, monkeypatch):
    """Ctrl-C in ``ntm reevaluate --here`` (or the worker stopped): the run is marked failed, the
    dashboards do not announce it for ever."""
    run = tasks.start_reevaluation([NTM], [PERIOD], enqueue=False)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(tasks, "switch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tasks.run_reevaluation(run.pk)
    run.refresh_from_db()
    assert run.status == ReevaluationRun.Status.FAILED and run.message.startswith("KeyboardInterrupt")
    assert tasks.active_runs() == []
