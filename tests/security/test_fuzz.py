"""Bad input, generated: the catalogue loader, the sheet reader, the Excel/CSV import and the report
checker never crash on what a user can hand them, and every rejection names the place (file, and
the line/row/field when there is one).

1,000 generated cases per target in the normal suite (a few seconds each); the long run is
``HYPOTHESIS_PROFILE=long .venv/bin/pytest -p no:cacheprovider tests/security/test_fuzz.py`` (20,000
each; see docs/security.md for what it found). The API inputs are fuzzed in ``test_api_contract.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = 20_000 if LONG else 1_000
settings.register_profile("long", max_examples=20_000, deadline=None)
fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

SCRATCH = Path(tempfile.mkdtemp(prefix="ntm-fuzz-"))  # one folder, files overwritten (cheaper than one per case)

# -- the catalogue loader --------------------------------------------------------------------------
KEYS = ["code", "name", "short_name", "phase", "level", "tier", "criteria", "indicators", "thresholds", "number",
        "kind", "rule", "unit", "value", "scope", "year", "source", "confidence", "overlay", "conditions", "set",
        "type", "decision", "annex", "provenance", "not_applicable", "levels", "regions", "group", "min", "max"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(["xa", "commune", "ntm", "2021-2025", ">=", "đạt", "DBSH",
                                                           "*", "&a", "!!python/object:os.system", "{{", "- -"]))
DOCS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
                    max_leaves=25)


@fuzz
@given(doc=DOCS, raw=st.text(max_size=200), use_raw=st.booleans())
def test_the_catalogue_loader_rejects_any_document_with_problems_naming_the_file(doc, raw, use_raw):
    from ntm.core.catalog.loader import CatalogError, load_set_text

    text = raw if use_raw else json.dumps(doc, ensure_ascii=False)  # JSON is YAML
    try:
        load_set_text(text, "tinh-xyz/bo.yaml")
    except CatalogError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.file == "tinh-xyz/bo.yaml" and str(p).startswith("tinh-xyz/bo.yaml") and p.message


# -- the sheet reader (``ntm evaluate``) --------------------------------------------------------------
CELLS = st.one_of(st.text(max_size=12), st.sampled_from(["indicator", "chỉ tiêu", "assessment", "đánh giá", "value",
                                                         "giá trị", "1.1", "17.2", "đạt", "chưa đạt", "91,5", '"', ";",
                                                         "=1+1", "\x00", "\ufeff"]))


@fuzz
@given(rows=st.lists(st.lists(CELLS, max_size=5), max_size=8), sep=st.sampled_from([",", ";", "\t"]),
       junk=st.binary(max_size=64), use_junk=st.booleans(), suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".doc"]))
def test_the_sheet_reader_reads_or_names_the_file(rows, sep, junk, use_junk, suffix):
    from ntm.core.sheets import SheetError, read_table

    data = junk if use_junk else "\n".join(sep.join(r) for r in rows).encode("utf-8", "surrogatepass")
    if True:
        path = SCRATCH / f"tu-danh-gia{suffix}"
        path.write_bytes(data)
        try:
            out = read_table(path, required={"indicator": ("chi tieu",), "assessment": ("danh gia",)},
                             optional={"value": ("gia tri",)})
        except SheetError as exc:
            assert str(exc).startswith(str(path)) and exc.message
        else:
            assert all(r.number >= 2 and set(r.values) <= {"indicator", "assessment", "value"} for r in out)


# -- the Excel/CSV import ------------------------------------------------------------------------------
IMPORT_CELLS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["xa:13570@2024", "xa:06841@2024", "vn", "xa-ntm-2021", "xa-ntm-2016", "2023-07", "2023-13",
                     "2023-Q2", "1.1", "17.1", "99.9", "đạt", "chưa đạt", "không đánh giá", "có", "91,5", "-1", "1e999",
                     "nan", "=HYPERLINK(\"x\")", "0", "3", ""]))
HEADERS = ["unit", "set", "period", "indicator", "value", "assessment", "note", "version", "evidence"]


@pytest.mark.django_db
@fuzz
@given(header=st.lists(st.sampled_from(HEADERS + ["xyz", "Mã đơn vị", "Chỉ tiêu"]), min_size=0, max_size=7, unique=True),
       rows=st.lists(st.lists(IMPORT_CELLS, max_size=8), max_size=5))
def test_the_import_checks_any_file_and_names_file_row_and_column_of_every_problem(header, rows, import_user):
    import csv
    import io

    from ntm.apps.observations.imports import ImportFailed, plan_import
    from ntm.apps.observations.models import Observation

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    if True:
        path = SCRATCH / "nhap.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        try:
            plan = plan_import(path, user=import_user, name="nhap.csv")
        except ImportFailed as exc:  # pragma: no cover - plan_import reports, commit_import raises
            issues = exc.issues
        else:
            issues = plan.issues
    for i in issues:
        assert i.file == "nhap.csv" and i.message
        assert str(i).startswith("nhap.csv")
    assert Observation.objects.count() == import_user._obs_before


@pytest.fixture
def import_user(db):
    from django.contrib.auth import get_user_model

    from ntm.apps.accounts.models import Membership, Role
    from ntm.apps.observations.models import Observation
    from ntm.apps.units.models import Unit

    u = get_user_model().objects.create_user("nhap", password="mat-khau-rat-dai-1")
    Membership.objects.create(user=u, unit=Unit.objects.get(uid="huyen:353@2024"), role=Role.ENTRY)
    u._obs_before = Observation.objects.count()
    return u


# -- the report checker --------------------------------------------------------------------------------
PIECES = ["Xã Nguyên Lý", "huyện Lý Nhân", "tỉnh Hà Nam", "đạt", "chưa đạt", "19/19", "17,87/19", "57/57", "(84,21%)",
          "tiêu chí", "chỉ tiêu", "nông thôn mới", "nâng cao", "kiểu mẫu", "tháng 7/2023", "năm 2023", "8 xã", "bình quân",
          "tiêu chí số 17", "17.1; 17.2", "\u202e", "\u0301", "\x00", "%", "/", ",", ".", "\n", "9" * 40, "-", "1/0"]


@fuzz
@given(parts=st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40))
def test_the_report_checker_never_crashes_and_every_finding_points_into_the_text(parts):
    from ntm.core.claims import InputTooLarge, extract

    text = " ".join(parts)
    try:
        report = extract(text)
    except InputTooLarge:
        return
    t = report.text
    for c in report.claims:
        assert t[c.span[0]:c.span[1]] == c.text
    for f in report.findings:
        assert t[f.span[0]:f.span[1]] == f.text and f.message
