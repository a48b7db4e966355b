"""The confirm writes what the preview checked: the preview leaves a signed stage, the commit writes
from it without reading the file's rows again, and writes exactly what the one-pass commit writes; what
changed between preview and confirm — a value edited by someone else, a sheet sent for review — is
refused with the row named, and a stage that is not this file's, or not signed by this project, is
ignored (the file is checked again)."""

from __future__ import annotations

import pytest
from django.db import transaction

from ntm.apps.audit.models import AuditEvent
from ntm.apps.observations import imports as I
from ntm.apps.observations.imports import run
from ntm.apps.observations.models import Observation, ObservationVersion
from ntm.apps.observations.services import Entry, record_many
from ntm.core.catalog import default_catalog

pytestmark = pytest.mark.django_db
SET, PERIOD = "xa-ntm-2021", "2023-07"
HEAD = "Mã đơn vị,Bộ tiêu chí,Kỳ,Chỉ tiêu,Giá trị,Đánh giá,Ghi chú,Lần sửa"


def _file(tmp_path, unit, *, changes: bool = True, versions: bool = True, name: str = "xa.csv"):
    """Nguyên Lý's seeded sheet (version 1 of each indicator, 1.1 đạt): with ``changes``, 2.1 and 3.1
    changed to chưa đạt (naming the version they replace), the rest as they are (naming it with
    ``versions``), and the same sheet for 2024-01 written for the first time (new values); line 2 of the
    file is the set's first indicator (see :func:`_row`)."""
    cs = default_catalog().get(SET)
    lines = [HEAD]
    for ind in cs.indicators:
        changed = changes and ind.code in ("2.1", "3.1")
        verdict = "chưa đạt" if changed or ind.code in ("17.1", "17.2") else "đạt"
        lines.append(f"{unit.uid},{SET},{PERIOD},{ind.code},,{verdict},,{1 if versions or changed else ''}")
    for ind in cs.indicators[:10]:
        lines.append(f"{unit.uid},{SET},2024-01,{ind.code},,đạt,lần đầu,")
    lines.append(f"{unit.uid},{SET},2024-01,{cs.indicators[10].code},,,,")  # nothing to write
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _state(batch: str) -> dict:
    """What a user sees after an import: the current values, the versions it added, its audit event."""
    fields = ("unit_id", "set_code", "period", "indicator", "value_text", "value_num", "assessment")
    fields += ("not_applicable", "note", "evidence", "version", "source", "batch", "created_by_name")
    return {
        "current": sorted(Observation.objects.values_list(*fields)),
        "history": sorted(ObservationVersion.objects.filter(batch=batch).values_list(*fields)),
        "audit": list(AuditEvent.objects.filter(message__contains=batch).values_list("action", "message", "new")),
    }


def _rolled_back(fn):
    with transaction.atomic():
        out = fn()
        transaction.set_rollback(True)
    return out


@pytest.fixture
def one_pass_calls(monkeypatch):
    """How many times a commit checked the file again (the one-pass commit)."""
    calls = []
    original = run._commit_one_pass

    def counted(*a, **kw):
        calls.append(1)
        return original(*a, **kw)

    monkeypatch.setattr(run, "_commit_one_pass", counted)
    return calls


@pytest.fixture(params=["one block", "small blocks"])
def blocks(request, monkeypatch):
    """The file's 68 rows checked as one block, or 4 rows at a time: then the stage holds many blocks,
    unchanged and changed ones in turn; the confirm checks the unchanged rows 3 at a time between
    its appends (each time ending the ``COPY`` in progress), and the one-pass commit writes 17 blocks."""
    if request.param == "small blocks":
        monkeypatch.setattr(I.check, "CHUNK", 4)
        monkeypatch.setattr(run, "STAGED_WRITE", 3)
    return request.param


def test_a_staged_commit_writes_what_the_one_pass_commit_writes(tmp_path, seeded, users, one_pass_calls, blocks):
    path, stage = _file(tmp_path, seeded), tmp_path / "xa.csv.checked"
    user = users["xa"]  # the commune's official: the rights are checked at the confirm as well
    plan = I.plan_import(path, user=user, stage=stage)
    assert plan.ok and stage.is_file()
    assert (plan.changed, plan.new, plan.unchanged, plan.skipped) == (2, 10, 55, 1)

    def commit(**kw):
        res = I.commit_import(path, user=user, batch="import-cung-lo", reevaluate=False, **kw)
        return res, _state("import-cung-lo")

    staged, staged_state = _rolled_back(lambda: commit(stage=stage))
    assert one_pass_calls == []  # written from the stage
    one_pass, one_pass_state = _rolled_back(commit)
    assert one_pass_calls == [1]
    assert staged_state == one_pass_state and len(staged_state["history"]) == 12 and staged_state["audit"]
    assert (staged.written, staged.unchanged, staged.cells) == (one_pass.written, one_pass.unchanged, one_pass.cells)
    assert staged.plan.as_dict() == one_pass.plan.as_dict()


def test_the_confirm_does_not_read_the_file_again(tmp_path, seeded, monkeypatch):
    path, stage = _file(tmp_path, seeded), tmp_path / "xa.csv.checked"
    I.plan_import(path, stage=stage)

    def read_again(*a, **kw):
        raise AssertionError("the commit read the file's rows again")

    monkeypatch.setattr(run, "_scan", read_again)
    res = I.commit_import(path, stage=stage, reevaluate=False)
    assert res.written == 12
    assert Observation.objects.get(unit=seeded, set_code=SET, period=PERIOD, indicator="2.1").assessment is False


def test_a_file_changed_after_the_preview_is_checked_again(tmp_path, seeded, one_pass_calls):
    path, stage = _file(tmp_path, seeded), tmp_path / "xa.csv.checked"
    I.plan_import(path, stage=stage)
    path.write_text(path.read_text(encoding="utf-8").replace(",1.1,,đạt,", ",1.1,,chưa đạt,"), encoding="utf-8")
    res = I.commit_import(path, stage=stage, reevaluate=False)
    assert one_pass_calls == [1] and res.written == 13  # what the file says now, not what the stage holds
    assert Observation.objects.get(unit=seeded, set_code=SET, period=PERIOD, indicator="1.1").assessment is False


@pytest.mark.parametrize("forge", ["another key", "garbage", "another user", "other defaults"])
def test_a_stage_not_made_here_for_this_file_is_ignored(tmp_path, seeded, users, settings, one_pass_calls, forge):
    path, stage = _file(tmp_path, seeded), tmp_path / "xa.csv.checked"
    other = tmp_path / "other.csv"
    other.write_text(f"{HEAD}\n{seeded.uid},{SET},{PERIOD},1.1,,chưa đạt,,1\n", encoding="utf-8")
    if forge == "another key":  # a stage of another file, made with another secret, put in its place
        settings.SECRET_KEY = "khóa của người khác"
        I.plan_import(other, stage=stage)
        settings.SECRET_KEY = "x" + settings.SECRET_KEY
    elif forge == "garbage":
        stage.write_bytes(b"NTM-IMPORT-STAGE\n" + b"\x00" * 200)
    elif forge == "another user":
        I.plan_import(path, user=next(iter(users.values())), stage=stage)
    else:
        I.plan_import(path, defaults={"period": "2023-07"}, stage=stage)
    res = I.commit_import(path, stage=stage, reevaluate=False)
    assert one_pass_calls == [1] and res.written == 12
    assert Observation.objects.get(unit=seeded, set_code=SET, period=PERIOD, indicator="1.1").assessment is True


def test_a_stage_cut_short_is_found_out_after_rows_were_appended_and_nothing_is_doubled(
    tmp_path, seeded, one_pass_calls, blocks
):
    """The stage's end is read last, after its rows went into the history (PostgreSQL: into a ``COPY``
    still open): the rows appended are undone, and the file is checked and written again in one pass."""
    path, stage = _file(tmp_path, seeded), tmp_path / "xa.csv.checked"
    assert I.plan_import(path, stage=stage).ok
    stage.write_bytes(stage.read_bytes()[:-3])  # the end record cut
    res = I.commit_import(path, stage=stage, batch="import-cat-ngan", reevaluate=False)
    assert one_pass_calls == [1] and res.written == 12
    history = ObservationVersion.objects.filter(batch="import-cat-ngan")
    assert history.count() == 12 and Observation.objects.filter(batch="import-cat-ngan").count() == 12
    assert Observation.objects.get(unit=seeded, set_code=SET, period=PERIOD, indicator="2.1").assessment is False


def _edit(unit, indicator: str, assessment: bool, period: str = PERIOD, version: int | None = 1) -> None:
    """Someone else saves a value of the sheet (through the form's service), with a note of theirs."""
    record_many(
        [
            Entry(
                unit=unit,
                set_code=SET,
                period=period,
                indicator=indicator,
                assessment=assessment,
                note="sửa trên biểu mẫu",
                expected_version=version,
            )
        ],
        source="form",
        user=None,
    )


@pytest.mark.parametrize(
    ("indicator", "changes", "versions"),
    [("2.1", True, True), ("1.2", True, True), ("1.2", False, False)],
    ids=["changed row", "unchanged row", "unchanged row of a file without versions"],
)
def test_a_value_edited_between_preview_and_confirm_is_refused(
    tmp_path, seeded, one_pass_calls, indicator, changes, versions, blocks
):
    via_one_pass = indicator == "2.1"  # a changed row meets the history's key: the file is checked again
    path, stage = _file(tmp_path, seeded, changes=changes, versions=versions), tmp_path / "xa.csv.checked"
    assert I.plan_import(path, stage=stage).ok
    _edit(seeded, indicator, indicator == "2.1")  # 2.1: still đạt but edited (the file changes it); 1.2: chưa đạt
    before = _state("import-sau-khi-sua")
    with pytest.raises(I.ImportFailed) as e:
        I.commit_import(path, stage=stage, batch="import-sau-khi-sua", reevaluate=False)
    issue = e.value.issues[0]
    assert (
        e.value.total == 1
        and issue.row == _row(indicator)
        and issue.file == "xa.csv"
        and f"chỉ tiêu {indicator}" in issue.message
    )
    assert one_pass_calls == ([1] if via_one_pass else [])
    if not via_one_pass:
        assert "sau khi tệp được kiểm tra" in issue.message and "tải tệp lên lại" in issue.message
    assert _state("import-sau-khi-sua") == before  # nothing written


def test_a_new_value_created_between_preview_and_confirm_is_refused(tmp_path, seeded, one_pass_calls):
    path, stage = _file(tmp_path, seeded), tmp_path / "xa.csv.checked"
    assert I.plan_import(path, stage=stage).ok
    first_new = default_catalog().get(SET).indicators[0].code
    _edit(seeded, first_new, False, period="2024-01", version=None)  # the file wrote it for the first time
    with pytest.raises(I.ImportFailed):
        I.commit_import(path, stage=stage, reevaluate=False)
    assert one_pass_calls == [1]
    assert not ObservationVersion.objects.filter(source="import").exists()


def _row(code: str) -> int:
    """The line of ``code`` on the sheet of 2023-07 in :func:`_file` (the header is line 1)."""
    return 2 + default_catalog().get(SET).indicator_codes().index(code)


def test_a_sheet_sent_for_review_between_preview_and_confirm_is_refused(tmp_path, seeded, users, one_pass_calls):
    from ntm.apps.observations.workflow import transition

    path, stage = _file(tmp_path, seeded), tmp_path / "xa.csv.checked"
    assert I.plan_import(path, user=users["xa"], stage=stage).ok
    transition(seeded, SET, PERIOD, "submit", users["xa"])
    with pytest.raises(I.ImportFailed) as e:
        I.commit_import(path, user=users["xa"], stage=stage, reevaluate=False)
    assert one_pass_calls == []
    # the two rows that change the sheet, each with the form's reason (the new sheet of 2024-01 is open)
    assert [(i.row, i.column) for i in e.value.issues] == [(_row("2.1"), "Kỳ"), (_row("3.1"), "Kỳ")]
    assert "tháng 7/2023 đang chờ duyệt; hãy rút lại hồ sơ" in e.value.issues[0].message
    assert not ObservationVersion.objects.filter(source="import").exists()


def test_a_user_whose_rights_ended_before_the_confirm_is_refused(tmp_path, seeded, users, one_pass_calls):
    from ntm.apps.accounts.models import Membership

    path, stage = _file(tmp_path, seeded), tmp_path / "xa.csv.checked"
    assert I.plan_import(path, user=users["xa"], stage=stage).ok
    Membership.objects.filter(user=users["xa"]).delete()
    user = type(users["xa"]).objects.get(pk=users["xa"].pk)  # the confirm: a new request
    with pytest.raises(I.ImportFailed) as e:
        I.commit_import(path, user=user, stage=stage, reevaluate=False)
    assert one_pass_calls == [] and e.value.issues[0].row == 2 and e.value.issues[0].column == "Mã đơn vị"
    assert f"không có quyền nhập số liệu cho {seeded.name} ({seeded.uid})" in e.value.issues[0].message
    assert not ObservationVersion.objects.filter(source="import").exists()


def test_a_file_with_problems_leaves_no_stage(tmp_path, seeded):
    path, stage = _file(tmp_path, seeded), tmp_path / "xa.csv.checked"
    stage.write_bytes(b"an older stage")
    path.write_text(path.read_text(encoding="utf-8") + f"{seeded.uid},{SET},{PERIOD},99.9,,đạt,,\n", encoding="utf-8")
    assert not I.plan_import(path, stage=stage).ok
    assert not stage.exists() and list(tmp_path.iterdir()) == [path]


def test_a_stage_that_cannot_be_written_leaves_the_check_and_the_commit_as_they_were(tmp_path, seeded):
    path = _file(tmp_path, seeded)
    stage = tmp_path / "khong-co-thu-muc" / "xa.csv.checked"  # nowhere to write it
    plan = I.plan_import(path, stage=stage)
    assert plan.ok and plan.changed == 2 and not stage.exists()
    assert I.commit_import(path, stage=stage, reevaluate=False).written == 12
