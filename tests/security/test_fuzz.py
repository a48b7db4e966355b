"""Bad input, generated: the catalogue loader, the sheet reader, the Excel/CSV import and the report
checker never crash on what a user can hand them, and every rejection names the place (file, and
the line/row/field when there is one).

1,000 generated cases per target in the normal suite (a few seconds each); the long run is
``HYPOTHESIS_PROFILE=long .venv/bin/pytest -p no:cacheprovider tests/security/test_fuzz.py`` (20,000
each; see docs/security.md for what it found). Then typed bad values in every URL parameter of every
page and API endpoint, for every role, and bad bodies to every write (the last section). The API is
also fuzzed from its schema in ``test_schemathesis.py`` and ``test_api_contract.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = 20_000 if LONG else 1_000
settings.register_profile("long", max_examples=20_000, deadline=None)
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)

SCRATCH = Path(tempfile.mkdtemp(prefix="ntm-fuzz-"))  # one folder, files overwritten (cheaper than one per case)

# -- the catalogue loader --------------------------------------------------------------------------
KEYS = [
    "code",
    "name",
    "short_name",
    "phase",
    "level",
    "tier",
    "criteria",
    "indicators",
    "thresholds",
    "number",
    "kind",
    "rule",
    "unit",
    "value",
    "scope",
    "year",
    "source",
    "confidence",
    "overlay",
    "conditions",
    "set",
    "type",
    "decision",
    "annex",
    "provenance",
    "not_applicable",
    "levels",
    "regions",
    "group",
    "min",
    "max",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        ["xa", "commune", "ntm", "2021-2025", ">=", "đạt", "DBSH", "*", "&a", "!!python/object:os.system", "{{", "- -"]
    ),
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
    max_leaves=25,
)


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
CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "indicator",
            "chỉ tiêu",
            "assessment",
            "đánh giá",
            "value",
            "giá trị",
            "1.1",
            "17.2",
            "đạt",
            "chưa đạt",
            "91,5",
            '"',
            ";",
            "=1+1",
            "\x00",
            "\ufeff",
        ]
    ),
)


@fuzz
@given(
    rows=st.lists(st.lists(CELLS, max_size=5), max_size=8),
    sep=st.sampled_from([",", ";", "\t"]),
    junk=st.binary(max_size=64),
    use_junk=st.booleans(),
    suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".doc"]),
)
def test_the_sheet_reader_reads_or_names_the_file(rows, sep, junk, use_junk, suffix):
    from ntm.core.sheets import SheetError, read_table

    data = junk if use_junk else "\n".join(sep.join(r) for r in rows).encode("utf-8", "surrogatepass")
    if True:
        path = SCRATCH / f"tu-danh-gia{suffix}"
        path.write_bytes(data)
        try:
            out = read_table(
                path,
                required={"indicator": ("chi tieu",), "assessment": ("danh gia",)},
                optional={"value": ("gia tri",)},
            )
        except SheetError as exc:
            assert str(exc).startswith(str(path)) and exc.message
        else:
            assert all(r.number >= 2 and set(r.values) <= {"indicator", "assessment", "value"} for r in out)


# -- the Excel/CSV import ------------------------------------------------------------------------------
IMPORT_CELLS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(
        [
            "xa:13570@2024",
            "xa:06841@2024",
            "vn",
            "xa-ntm-2021",
            "xa-ntm-2016",
            "2023-07",
            "2023-13",
            "2023-Q2",
            "1.1",
            "17.1",
            "99.9",
            "đạt",
            "chưa đạt",
            "không đánh giá",
            "có",
            "91,5",
            "-1",
            "1e999",
            "nan",
            '=HYPERLINK("x")',
            "0",
            "3",
            "",
        ]
    ),
)
HEADERS = ["unit", "set", "period", "indicator", "value", "assessment", "note", "version", "evidence"]


@pytest.mark.django_db
@fuzz
@given(
    header=st.lists(st.sampled_from(HEADERS + ["xyz", "Mã đơn vị", "Chỉ tiêu"]), min_size=0, max_size=7, unique=True),
    rows=st.lists(st.lists(IMPORT_CELLS, max_size=8), max_size=5),
)
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
PIECES = [
    "Xã Nguyên Lý",
    "huyện Lý Nhân",
    "tỉnh Hà Nam",
    "đạt",
    "chưa đạt",
    "19/19",
    "17,87/19",
    "57/57",
    "(84,21%)",
    "tiêu chí",
    "chỉ tiêu",
    "nông thôn mới",
    "nâng cao",
    "kiểu mẫu",
    "tháng 7/2023",
    "năm 2023",
    "8 xã",
    "bình quân",
    "tiêu chí số 17",
    "17.1; 17.2",
    "\u202e",
    "\u0301",
    "\x00",
    "%",
    "/",
    ",",
    ".",
    "\n",
    "9" * 40,
    "-",
    "1/0",
]


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
        assert t[c.span[0] : c.span[1]] == c.text
    for f in report.findings:
        assert t[f.span[0] : f.span[1]] == f.text and f.message


# -- every URL parameter of every page, with typed bad values, for every role --------------------------
# The pages and API endpoints are those of the authorisation matrix (which fails when a URL has no
# entry). The query parameters each of them reads are found by running its requests once as the
# operator, with every look-up in ``request.GET`` recorded; path parameters come from the URL
# pattern. The operator (who gets past every permission check) sends every bad value below to every
# parameter; each other role sends one of them (a different one per role, so that the roles between
# them send all of them). Every POST/PUT/PATCH of the matrix gets bad bodies. No answer may be a 5xx.
BAD_QUERY = {  # name → raw query-string text for the value (percent-encoded where it must be)
    "huge integer": "99999999999999999999999",
    "huge negative": "-99999999999999999999999",
    "float overflow": "1e999",
    "NUL": "%00",
    "invalid UTF-8": "%ff%fe%c0%af",
    "broken percent-encoding": "%zz%",
    "nested JSON": quote_plus('{"a":' * 300 + "1" + "}" * 300),
    "JSON list": quote_plus('[1, [2, {"a": null}]]'),
    "long text": "x" * 5000,
    "right-to-left and BOM": quote_plus("\u202e\ufeff\u0663"),
}
BAD_PATH = {
    "huge integer": "99999999999999999999999",
    "NUL": "%00",
    "invalid UTF-8": "%ff%fe",
    "dots": "..%2F..",
    "long text": "y" * 300,
    "negative": "-1",
}
BAD_BODY = {
    "nested JSON": ("[" * 100_000 + "]" * 100_000, "application/json"),
    "NUL in JSON": ('{"username": "a\\u0000b", "text": "\\u0000", "unit": "\\u0000"}', "application/json"),
    "NUL in a form": ("username=a%00b&text=%00&unit=%00&note=%00", "application/x-www-form-urlencoded"),
    "invalid UTF-8": (b"username=\xff\xfe&text=\xc0\xaf", "application/x-www-form-urlencoded"),
}
FUZZ_ROLES = (
    "superuser",
    "commune_entry",
    "commune_reviewer",
    "commune_leader",
    "commune_admin",
    "district_reviewer",
    "province_leader",
    "province_reviewer",
    "national_reviewer",
    "national_admin",
    "other_unit",
    "anonymous",
)
# Failures of other parts of issue 18, fixed by other helpers: (kind, path, parameter or body) → reason
# (kind, path prefix, what) → why: a 5xx known and tracked elsewhere, reported as xfail. None today:
# the ?runs= overflow and the nested JSON of the log-in pages answer 400 since issue 18 item 5.
KNOWN_5XX: dict[tuple[str, str, str], str] = {}


def _matrix():
    from .test_authorisation_matrix import MATRIX, WRITE_ROWS

    return list(MATRIX.items()) + list(WRITE_ROWS.items())


def _pages(world) -> list[tuple[str, str]]:
    """(matrix key, URL) of every GET of the matrix, made concrete."""
    out = []
    for key, entry in _matrix():
        for r in entry.requests:
            if r.method == "GET":
                out.append((key, r.url(world) if callable(r.url) else r.url))
    return out


def _client(world, role: str, url: str):
    from django.test import Client

    c = Client(raise_request_exception=False)  # a crash is an answer 500 here, as in a server
    headers = {}
    if role != "anonymous":
        if url.startswith("/api/"):
            headers["HTTP_AUTHORIZATION"] = f"Token {world['tokens'][role]}"
        else:
            c.force_login(world["users"][role])
    return c, headers


def _read_params(client, url: str, headers: dict) -> set[str]:
    """The query parameters a page reads: every key looked up in ``request.GET`` (or a copy of it) while
    it answers — including look-ups a template makes (``request.GET.items`` reads a parameter "items")."""
    from django.http import QueryDict
    from django.utils.datastructures import MultiValueDict

    seen: set[str] = set()
    originals = {n: getattr(MultiValueDict, n) for n in ("get", "__getitem__", "getlist", "__contains__")}

    def spy(name):
        def method(self, key, *a, **kw):
            if isinstance(self, QueryDict) and isinstance(key, str):
                seen.add(key)
            return originals[name](self, key, *a, **kw)

        return method

    try:
        for n in originals:
            setattr(MultiValueDict, n, spy(n))
        client.get(url, **headers)
    finally:
        for n, f in originals.items():
            setattr(MultiValueDict, n, f)
    return seen - {"csrfmiddlewaretoken"}


@pytest.fixture(scope="module")
def page_params(world_module):
    """(matrix key, URL, parameter) of every page; the schema endpoint's own (the generator looks up
    the parameters of every view while it describes them) are the two it reads itself."""
    from django.db import transaction

    out = set()
    for key, url in _pages(world_module):
        c, headers = _client(world_module, "superuser", url)
        with transaction.atomic():
            names = _read_params(c, url, headers)
            transaction.set_rollback(True)
        if key == "api-schema":
            names &= {"format", "lang"}
        out |= {(key, url, n) for n in names}
    return sorted(out)


def _with(url: str, name: str, raw: str) -> str:
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and p.split("=", 1)[0] != name]
    return base + "?" + "&".join(kept + [f"{name}={raw}"])


def _known(kind: str, path: str, what: str) -> str | None:
    return next((why for (k, p, w), why in KNOWN_5XX.items() if k == kind and path.startswith(p) and w == what), None)


def _send(world, requests) -> tuple[list[str], set[str], int]:
    """Send (role, kind, method, url, what, data, content type) requests, each in a rolled-back
    transaction: (unexpected 5xx, reasons of the known ones, number sent)."""
    from django.db import transaction

    problems, known, sent = [], set(), 0
    for role, kind, method, url, what, data, ctype in requests:
        c, headers = _client(world, role, url)
        with transaction.atomic():
            try:
                if method == "GET":
                    code = c.get(url, **headers).status_code
                else:
                    code = c.generic(method, url, data, content_type=ctype, **headers).status_code
            except RecursionError:  # raised past the handler: a dead worker in a server
                code = 500
            finally:
                transaction.set_rollback(True)
        sent += 1
        if code >= 500:
            why = _known(kind, url.split("?")[0], what)
            if why:
                known.add(why)
            else:
                problems.append(f"{role}: {method} {url[:200]} ({what}) → {code}")
    URL_FUZZ_SENT[kind] = URL_FUZZ_SENT.get(kind, 0) + sent
    return problems, known, sent


URL_FUZZ_SENT: dict[str, int] = {}  # requests sent by kind (docs/security.md quotes the totals)


def _verdict(problems: list[str], known: set[str]) -> None:
    assert not problems, f"{len(problems)} answers 5xx:\n" + "\n".join(problems[:40])
    if known:
        pytest.xfail("; ".join(sorted(known)))


def test_the_discovery_of_query_parameters_sees_what_the_pages_read(page_params):
    """The discovery works (else the fuzzing below would test nothing): known parameters are found."""
    found = {(k, n) for k, _, n in page_params}
    for expected in [
        ("overview", "unit"),
        ("overview", "period"),
        ("recognitions", "year"),
        ("plans", "n"),
        ("reports-export", "what"),
        ("reevaluation-status", "runs"),
        ("api-unit-list", "parent"),
        ("api-recognition-list", "year"),
        ("audit-log", "action"),
        ("api-schema", "format"),
    ]:
        assert expected in found, expected
    assert len(page_params) >= 80


@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_every_query_parameter_of_every_page_takes_bad_values_without_a_5xx(role, world, page_params):
    names = list(BAD_QUERY)
    k = FUZZ_ROLES.index(role)
    reqs = []
    for i, (_, url, param) in enumerate(page_params):
        for label in names if role == "superuser" else [names[(k + i) % len(names)]]:
            reqs.append((role, "query", "GET", _with(url, param, BAD_QUERY[label]), param, None, None))
    _verdict(*_send(world, reqs)[:2])


def _path_templates(world) -> list[str]:
    """Every matrix URL with a path parameter, ``{}`` in its place."""
    from django.urls import resolve

    out = set()
    for _, url in _pages(world):
        path = url.split("?")[0]
        for value in resolve(path).kwargs.values():
            if str(value) and str(value) in path:
                out.add(path.replace(str(value), "{}", 1))
    return sorted(out)


@pytest.mark.parametrize("role", ("superuser", "commune_entry", "other_unit", "anonymous"))
def test_every_path_parameter_takes_bad_values_without_a_5xx(role, world):
    templates = _path_templates(world)
    assert len(templates) >= 8
    reqs = [
        (role, "path", "GET", t.replace("{}", raw), label, None, None)
        for t in templates
        for label, raw in BAD_PATH.items()
    ]
    _verdict(*_send(world, reqs)[:2])


@pytest.mark.parametrize("body", list(BAD_BODY))
def test_every_write_takes_a_bad_body_without_a_5xx(body, world):
    """Every POST/PUT/PATCH of the matrix, as the operator (past every permission check) and
    anonymously (the log-in pages and the throttle)."""
    data, ctype = BAD_BODY[body]
    writes = sorted(
        {
            (r.method, r.url(world) if callable(r.url) else r.url)
            for _, entry in _matrix()
            for r in entry.requests
            if r.method in ("POST", "PUT", "PATCH")
        }
    )
    assert len(writes) >= 20
    reqs = [
        (role, "body", method, url, body, data, ctype) for role in ("superuser", "anonymous") for method, url in writes
    ]
    _verdict(*_send(world, reqs)[:2])
