"""The API against its own OpenAPI schema, with values that mean something here (schemathesis itself runs
in ``test_schemathesis.py``; this suite adds real unit uids, set codes and periods): for every operation
of /api/v1/schema/, requests are generated from the schema (path and query parameters, JSON bodies from
a small schema → Hypothesis strategy translator below — hypothesis-jsonschema 0.23 does not run with the
pinned Hypothesis — mixed with meaningful values: real unit uids, set codes, periods) and sent with
a token. No answer may be a 5xx; every JSON answer with a documented schema must match it; every
4xx must say what is wrong (``detail`` or the name of the field).

Writes run inside a transaction rolled back after each request. ``HYPOTHESIS_PROFILE=long`` sends
many more requests per operation.
"""

from __future__ import annotations

import copy
import json
import os

import jsonschema
import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import NGUYEN_LY, PERIOD, SET

pytestmark = pytest.mark.django_db

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
PER_OPERATION = 400 if LONG else 40

UIDS = [NGUYEN_LY, "huyen:353@2024", "tinh:35@2024", "vn", "xa:06841@2024", "xa:99999@2024", "", "../..", "x" * 300]
SETS = [SET, "xa-ntm-2016", "huyen-ntm-2021", "khong-co", "", "' OR 1=1 --"]
PERIODS = [PERIOD, "2023-06", "2023", "2023-Q3", "2023-13", "0000-00", "2023-07-01", "", "٢٠٢٣"]
HINTS = {
    "unit": UIDS,
    "uid": UIDS,
    "parent": UIDS,
    "set": SETS,
    "code": SETS,
    "period": PERIODS,
    "indicator": ["1.1", "17.2", "99.9", ""],
    "level": ["commune", "district", "province", "country", "x"],
    "date": ["2023-07-01", "2026-01-01", "31/12/2023", "x"],
    "output": ["json", "txt", "html", "docx", "xlsx", "y"],
    "q": ["nguyen ly", "Nguyên Lý", "%", "_"],
    "standard": ["true", "false", "có", "x"],
    "history": ["1", "true", "0"],
    "page": ["1", "2", "0", "-1", "999999", "x"],
    "format": ["json", "yaml"],
    "lang": ["vi", "en"],
}


# Known differences between the schema and the answers, reported and not yet fixed (remove when fixed):
KNOWN_MISMATCHES: dict = {}  # (path, method, status) -> why the answer may differ from the schema


def _to_jsonschema(s):
    """OpenAPI 3.0 schema → JSON Schema (``nullable``), local refs inlined."""
    if isinstance(s, list):
        return [_to_jsonschema(x) for x in s]
    if not isinstance(s, dict):
        return s
    out = {k: _to_jsonschema(v) for k, v in s.items() if k not in ("readOnly", "writeOnly", "example")}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
        elif "enum" in out:
            out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def from_schema(s: dict, depth: int = 0):
    """A Hypothesis strategy for the JSON Schema subset drf-spectacular writes (types, enums, formats,
    required/optional properties, arrays, anyOf/oneOf), plus a share of values of the wrong type."""
    wrong = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.just([]), st.just({}))
    if not isinstance(s, dict) or depth > 4:
        return wrong
    if "enum" in s:
        return st.one_of(st.sampled_from(s["enum"]), wrong) if s["enum"] else wrong
    for key in ("anyOf", "oneOf", "allOf"):
        if key in s:
            return st.one_of(*[from_schema(x, depth + 1) for x in s[key]])
    t = s.get("type")
    if isinstance(t, list):
        return st.one_of(*[from_schema({**s, "type": x}, depth) for x in t])
    if t == "null":
        return st.none()
    if t == "boolean":
        return st.booleans()
    if t == "integer":
        return st.one_of(st.integers(-5, 5), st.integers(), st.just(2**63))
    if t == "number":
        return st.one_of(st.floats(allow_nan=False), st.integers())
    if t == "string":
        fmt = s.get("format")
        if fmt == "date":
            return st.one_of(st.dates().map(str), st.text(max_size=12))
        if fmt == "date-time":
            return st.datetimes().map(lambda d: d.isoformat())
        return st.one_of(st.text(max_size=30), st.sampled_from(["", " ", "\x00", "x" * 5000, "1e999", "đạt"]))
    if t == "array":
        return st.lists(from_schema(s.get("items", {}), depth + 1), max_size=3)
    if t == "object" or "properties" in s:
        props = s.get("properties", {})
        required = [k for k in s.get("required", []) if k in props]
        return st.fixed_dictionaries(
            {k: from_schema(props[k], depth + 1) for k in required},
            optional={k: from_schema(v, depth + 1) for k, v in props.items() if k not in required},
        )
    return wrong


def _deref(s, components, depth=0):
    if isinstance(s, list):
        return [_deref(x, components, depth) for x in s]
    if not isinstance(s, dict):
        return s
    if "$ref" in s and depth < 20:
        name = s["$ref"].rsplit("/", 1)[-1]
        return _deref(copy.deepcopy(components[name]), components, depth + 1)
    return {k: _deref(v, components, depth) for k, v in s.items()}


@pytest.fixture(scope="module")
def schema(world_module):
    r = Client().get("/api/v1/schema/?format=json")
    assert r.status_code == 200
    return json.loads(r.content)


def operations():
    from django.test import Client as C  # noqa: N814

    # collected at import time from the URL conf via drf-spectacular (no database needed)
    from drf_spectacular.generators import SchemaGenerator

    s = SchemaGenerator().get_schema(request=None, public=True)
    del C
    return sorted((path, method) for path, ops in s["paths"].items() for method in ops if method != "parameters")


OPERATIONS = operations()


def test_the_schema_describes_every_operation_tested(schema):
    assert {(p, m) for p, ops in schema["paths"].items() for m in ops} == set(OPERATIONS)
    assert len(OPERATIONS) >= 10


def _param_strategy(p, components):
    name = p["name"]
    sch = _to_jsonschema(_deref(p.get("schema", {"type": "string"}), components))
    hinted = st.sampled_from(HINTS[name]) if name in HINTS else st.nothing()
    if name == "output" and not LONG:  # PDF rendering takes seconds per request: the long run covers it
        sch = {k: v for k, v in sch.items() if k != "enum"}
        sch["type"] = "string"
    generated = from_schema(sch).map(
        lambda v: (
            json.dumps(v)
            if isinstance(v, bool) and False
            else ("true" if v is True else "false" if v is False else str(v))
        )
    )
    if name == "output" and not LONG:
        generated = st.sampled_from(HINTS["output"])
    return st.one_of(hinted, generated)


@pytest.mark.parametrize("path,method", OPERATIONS)
def test_every_operation_answers_without_5xx_and_as_documented(path, method, schema, world):
    op = schema["paths"][path][method]
    components = schema.get("components", {}).get("schemas", {})
    params = op.get("parameters", [])
    path_params = {p["name"]: _param_strategy(p, components) for p in params if p["in"] == "path"}
    query_params = {p["name"]: _param_strategy(p, components) for p in params if p["in"] == "query"}
    body_schema = None
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body_schema = _to_jsonschema(_deref(content["application/json"]["schema"], components))
    body = from_schema(body_schema) if body_schema else st.none()
    if path.endswith("/observations/") and method == "post":
        entry = st.fixed_dictionaries(
            {
                "unit": st.sampled_from(UIDS),
                "set": st.sampled_from(SETS),
                "period": st.sampled_from(PERIODS),
                "indicator": st.sampled_from(HINTS["indicator"]),
            },
            optional={
                "value": st.one_of(st.none(), st.text(max_size=10), st.sampled_from(["91,5", "có", "1e999"])),
                "assessment": st.one_of(st.none(), st.booleans()),
                "expected_version": st.one_of(st.none(), st.integers(-2, 5), st.just(2**63)),
            },
        )
        body = st.one_of(body, entry, st.lists(entry, max_size=3))
    token = world["tokens"]["national_admin"]
    responses = op.get("responses", {})
    problems: list[str] = []

    @settings(
        max_examples=PER_OPERATION,
        deadline=None,
        derandomize=not LONG,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(pp=st.fixed_dictionaries(path_params), qp=st.fixed_dictionaries({}, optional=query_params), data=body)
    def run(pp, qp, data):
        url = path
        for k, v in pp.items():
            url = url.replace("{" + k + "}", v.replace("/", "%2F").replace("?", "%3F").replace("#", "%23") or "x")
        c = Client()
        kwargs = {"HTTP_AUTHORIZATION": f"Token {token}"}
        with transaction.atomic():
            if method == "get":
                r = c.get(url, qp, **kwargs)
            else:
                q = "&".join(f"{k}={v}" for k, v in qp.items())
                r = c.generic(
                    method.upper(),
                    url + (f"?{q}" if q else ""),
                    json.dumps(data),
                    content_type="application/json",
                    **kwargs,
                )
            transaction.set_rollback(True)
        where = f"{method.upper()} {url} {qp} {json.dumps(data, ensure_ascii=False)[:200]}"
        assert r.status_code < 500, f"{where} → {r.status_code}: {r.content[:500]!r}"
        ctype = r.get("Content-Type", "")
        if not ctype.startswith("application/json"):
            return
        payload = json.loads(r.content)
        doc = responses.get(str(r.status_code)) or (responses.get("default") if r.status_code >= 400 else None)
        sch = (doc or {}).get("content", {}).get("application/json", {}).get("schema")
        if sch and (path, method, r.status_code) not in KNOWN_MISMATCHES:
            try:
                jsonschema.validate(payload, _to_jsonschema(_deref(sch, components)))
            except jsonschema.ValidationError as exc:
                problems.append(
                    f"{where} → {r.status_code}: answer does not match the schema at {list(exc.absolute_path)}: {exc.message[:300]}"
                )
        if 400 <= r.status_code < 500:
            assert isinstance(payload, (dict, list)) and payload, f"{where}: an empty error"
            if isinstance(payload, dict):
                assert all(isinstance(k, str) and k for k in payload), f"{where}: {payload}"

    run()
    assert not problems, "\n".join(sorted(set(problems))[:20])
