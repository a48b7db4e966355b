"""Web security: CSRF on every form, cookie and session settings, password rules, log-in throttling,
upload limits, no user-controlled templates or code, security headers — one test (or a few) each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from ntm.apps.accounts.testing import one, soup, text
from ntm.apps.ops.conf import security_settings

from .conftest import NGUYEN_LY, PERIOD, SET
from .test_authorisation_matrix import MATRIX, WRITE_ROWS, Req

pytestmark = pytest.mark.django_db

NTM = Path(__file__).resolve().parents[2] / "ntm"
TEMPLATES = sorted(NTM.rglob("templates/**/*.html"))
CELL = f"/nhap-lieu/{NGUYEN_LY}/{SET}/{PERIOD}/"


# -- CSRF ------------------------------------------------------------------------------------------
def _page_posts() -> list[tuple[str, Req]]:
    out = []
    for key, entry in list(MATRIX.items()) + list(WRITE_ROWS.items()):
        for r in entry.requests:
            url = r.url if isinstance(r.url, str) else None
            if r.method == "POST" and not (url or "").startswith("/api/"):
                out.append((key, r))
    return out


def test_every_post_form_of_the_site_refuses_a_request_without_the_csrf_token(world):
    """A superuser (who may do everything) POSTs every page form of the matrix without the token: 403,
    whatever the view would have done."""
    from .test_authorisation_matrix import call  # noqa: F401  (same request building)

    c = Client(enforce_csrf_checks=True)
    c.force_login(world["users"]["superuser"])
    posts = _page_posts()
    assert len(posts) >= 12
    for key, r in posts:
        url = r.url(world) if callable(r.url) else r.url
        data = r.data(world) if callable(r.data) else dict(r.data or {})
        if r.files:
            data.update(r.files(world))
        resp = c.post(url, data)
        assert resp.status_code == 403, f"{key}: POST {url} without a CSRF token → {resp.status_code}"
    anon = Client(enforce_csrf_checks=True)
    assert (
        anon.post("/tai-khoan/dang-nhap/", {"username": "superuser", "password": "mat-khau-rat-dai-1"}).status_code
        == 403
    )


def test_the_api_with_a_session_needs_the_csrf_token_with_a_token_it_does_not(world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world["users"]["commune_entry"])
    body = f'[{{"unit": "{NGUYEN_LY}", "set": "{SET}", "period": "{PERIOD}", "indicator": "17.1", "assessment": true}}]'
    assert c.post("/api/v1/observations/", body, content_type="application/json").status_code == 403
    from ntm.apps.observations.models import Observation

    version = Observation.objects.get(
        unit__uid=NGUYEN_LY,
        set_code=SET,
        period=PERIOD,
        indicator="17.1",
    ).version  # the value replaced: named, as required
    t = Client(enforce_csrf_checks=True)
    r = t.post(
        "/api/v1/observations/",
        body.replace("}]", f', "expected_version": {version}}}]'),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {world['tokens']['commune_entry']}",
    )
    assert r.status_code == 201


def posting_forms_without_token(source: str) -> list[str]:
    """The POST forms of a template source (parsed as HTML; template tags are text to the parser)
    holding no ``{% csrf_token %}``."""
    forms = soup(source).find_all("form")
    return [
        form.decode(formatter=None).split(">", 1)[0] + ">"
        for form in forms
        if (form.get("method") or "").strip().lower() == "post" and "{% csrf_token %}" not in form.decode_contents()
    ]


def test_the_csrf_check_finds_a_post_form_without_the_token():
    source = (
        '<form method="post" action="{% url \'a\' %}">{% csrf_token %}<button>ok</button></form>'
        '<FORM METHOD=POST class="b"><input name="x"></FORM><form method="get"><input name="q"></form>'
    )
    assert posting_forms_without_token(source) == ['<form class="b" method="POST">']


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    missing = []
    for t in TEMPLATES:
        missing += [f"{t.relative_to(NTM)}: {form}" for form in posting_forms_without_token(t.read_text("utf-8"))]
    assert not missing, missing


# -- cookies, sessions, passwords ------------------------------------------------------------------
def test_production_settings_send_cookies_only_over_https_and_never_to_scripts(tmp_path):
    s = security_settings(debug=False, env={"NTM_HTTPS": "1"}, home=tmp_path)
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_HTTPONLY"] and s["CSRF_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_SAMESITE"] == "Lax" and s["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert s["SESSION_COOKIE_AGE"] == 12 * 3600
    assert s["X_FRAME_OPTIONS"] == "DENY" and s["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert s["SECURE_HSTS_SECONDS"] == 31536000 and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    plain = security_settings(debug=False, env={}, home=tmp_path)
    assert "SECURE_HSTS_SECONDS" not in plain  # only when the site says it is served over HTTPS
    assert not plain["SESSION_COOKIE_SECURE"]  # plain HTTP (./run): a browser would not send a Secure cookie back
    # the API has request rates (DRF throttles), anonymous clients the lower one
    rf = s["REST_FRAMEWORK"]
    assert rf["DEFAULT_THROTTLE_RATES"] == {"anon": "120/minute", "user": "6000/minute"}
    assert "rest_framework.throttling.AnonRateThrottle" in rf["DEFAULT_THROTTLE_CLASSES"]


def test_the_api_accepts_no_basic_authentication_and_closes_views_by_default(settings):
    rf = settings.REST_FRAMEWORK
    assert not any("Basic" in c for c in rf["DEFAULT_AUTHENTICATION_CLASSES"])
    assert rf["DEFAULT_PERMISSION_CLASSES"] == ["rest_framework.permissions.IsAuthenticated"]


def test_the_log_in_and_audit_middleware_are_part_of_the_real_settings(settings):
    from ntm.apps.ops.conf import with_ops_middleware

    mw = with_ops_middleware(
        ["django.middleware.security.SecurityMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware"]
    )
    assert "ntm.apps.accounts.middleware.LoginRequiredMiddleware" in mw
    assert "ntm.apps.audit.middleware.AuditMiddleware" in mw
    assert mw.index("ntm.apps.accounts.middleware.LoginRequiredMiddleware") > mw.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )


def test_password_rules_refuse_short_common_numeric_and_name_like_passwords(world):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = world["users"]["commune_entry"]
    for bad in ("ngan", "password123", "1234567890123", "commune_entry1", "matkhau"):
        with pytest.raises(ValidationError):
            validate_password(bad, user)
    validate_password("Dong-lua-Nguyen-Ly-2025", user)


# -- log-in throttling ------------------------------------------------------------------------------
def test_log_in_is_refused_for_a_while_after_five_failures_even_with_the_right_password(world, caplog):
    c = Client()
    for _ in range(5):
        r = c.post(
            "/tai-khoan/dang-nhap/", {"username": "commune_entry", "password": "sai-mat-khau"}, REMOTE_ADDR="10.0.0.9"
        )
        assert r.status_code == 200
    r = c.post(
        "/tai-khoan/dang-nhap/", {"username": "commune_entry", "password": "mat-khau-rat-dai-1"}, REMOTE_ADDR="10.0.0.9"
    )
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert "Đăng nhập sai quá nhiều lần" in text(r)
    assert "_auth_user_id" not in c.session
    # the API token endpoint shares the counters
    r = Client().post(
        "/api/v1/token/", {"username": "commune_entry", "password": "mat-khau-rat-dai-1"}, REMOTE_ADDR="10.0.0.9"
    )
    assert r.status_code == 429
    # another address is not locked out by this pair (the per-user limit is higher)
    r = Client().post(
        "/tai-khoan/dang-nhap/",
        {"username": "commune_entry", "password": "mat-khau-rat-dai-1"},
        REMOTE_ADDR="10.0.0.10",
    )
    assert r.status_code == 302


# -- uploads ----------------------------------------------------------------------------------------
def _pdf_named(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, "application/pdf")


def test_evidence_uploads_of_the_wrong_type_or_too_large_are_refused_and_nothing_is_saved(world, settings):
    from ntm.apps.observations import evidence as f
    from ntm.apps.observations.models import Observation

    c = Client()
    c.force_login(world["users"]["commune_entry"])
    ver = world["evidence"].version
    before = Observation.objects.count()
    row = {"v-1.1": "", "a-1.1": "dat", "ver-1.1": str(ver)}
    r = c.post(CELL, {**row, "f-1.1": _pdf_named("virus.exe", b"MZ\x90\x00")})
    # the refusal names the file, in the row's result cell
    assert r.status_code == 400 and "Tệp «virus.exe» không đúng loại" in text(one(r, "td#st-1-1"))
    r = c.post(CELL, {**row, "f-1.1": _pdf_named("bao-cao.pdf", b"MZ\x90\x00 not a pdf")})  # content, not the name
    assert r.status_code == 400 and "không phải là PDF" in text(r)
    settings_max = f.MAX_EVIDENCE_BYTES
    try:
        f.MAX_EVIDENCE_BYTES = 1000
        r = c.post(CELL, {**row, "f-1.1": _pdf_named("lon.pdf", b"%PDF-1.4\n" + b"x" * 2000)})
        assert r.status_code == 400
    finally:
        f.MAX_EVIDENCE_BYTES = settings_max
    assert Observation.objects.count() == before


def test_an_import_of_another_type_is_refused_and_a_too_large_request_gets_413(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ntm.apps.reports.models import ImportBatch

    c = Client()
    c.force_login(world["users"]["commune_entry"])
    n = ImportBatch.objects.count()
    r = c.post(
        "/bao-cao/trao-doi/nhap/",
        {"unit": NGUYEN_LY, "file": SimpleUploadedFile("x.html", b"<script>", "text/html")},
        follow=True,
    )
    assert "không hỗ trợ định dạng '.html'" in text(r)
    assert ImportBatch.objects.count() == n
    settings.NTM_MAX_REQUEST_BYTES = 2000
    r = c.post(
        "/bao-cao/trao-doi/nhap/", {"unit": NGUYEN_LY, "file": SimpleUploadedFile("x.csv", b"a," * 5000, "text/csv")}
    )
    assert r.status_code == 413 and "quá lớn" in text(r)
    assert ImportBatch.objects.count() == n


# -- no user-controlled templates or code -----------------------------------------------------------
def test_no_template_is_built_from_text_and_no_code_is_evaluated():
    """The only templates are files; nothing compiles a template from a string, evaluates code, or
    unpickles data (a request or an uploaded file could reach it)."""
    bad = re.compile(r"\bTemplate\(|from_string\(|\beval\(|\bexec\(|pickle\.loads?\(|yaml\.load\(|marshal\.loads?\(")
    hits = []
    for py in NTM.rglob("*.py"):
        if "/tests/" in str(py) or "/migrations/" in str(py):
            continue
        for n, line in enumerate(py.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if bad.search(code) and "safe_load" not in code and "Loader=_Loader" not in code:
                hits.append(f"{py.relative_to(NTM)}:{n}: {line.strip()}")
    assert not hits, hits
    import yaml

    from ntm.core.catalog import loader

    assert loader._Loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # builds no objects


def test_template_syntax_typed_by_a_user_is_shown_as_text(world):
    c = Client()
    c.force_login(world["users"]["commune_entry"])
    note = "{{ 7|add:7 }} {% debug %} <script>alert(1)</script>"
    r = c.post(CELL, {"v-1.1": "", "a-1.1": "dat", "n-1.1": note, "ver-1.1": str(world["evidence"].version)})
    assert r.status_code == 302
    page = soup(c.get(CELL))
    assert one(page, 'textarea[name="n-1.1"]').string == note  # shown as typed: not run, not dropped
    assert not [s for s in page.find_all("script") if "alert(1)" in s.decode()]  # no script made of it


# -- headers ----------------------------------------------------------------------------------------
def test_security_headers_on_pages_and_the_api(world):
    c = Client()
    for url in ("/tai-khoan/dang-nhap/", "/api/v1/schema/?format=json", "/healthz"):
        r = c.get(url)
        csp = r["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "'unsafe-eval'" not in csp and "script-src 'self'" in csp
        assert r["X-Frame-Options"] == "DENY"
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Referrer-Policy"] == "same-origin"
        assert "camera=()" in r["Permissions-Policy"]
        assert "Strict-Transport-Security" not in r  # plain HTTP: no HSTS


def test_hsts_when_the_site_is_served_over_https(world, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    r = Client().get("/tai-khoan/dang-nhap/", secure=True)
    assert r["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def csp_breakers(source: str) -> list[str]:
    """What in a template source the Content-Security-Policy would block: inline scripts (data
    blocks of type application/json are not run), event handler attributes, javascript: URLs."""
    page = soup(source)
    hits = [
        f"inline script {str(script)[:60]}"
        for script in page.find_all("script")
        if not script.has_attr("src") and script.get("type") != "application/json"
    ]
    for element in page.find_all(True):
        hits += [f"handler {name} on <{element.name}>" for name in element.attrs if re.fullmatch(r"on[a-z]+", name)]
    if "javascript:" in source.lower():  # in an attribute, a script or anywhere else
        hits.append("javascript: URL")
    return hits


def test_the_csp_check_finds_inline_scripts_and_handlers():
    source = (
        '<script src="/static/a.js"></script><script type="application/json">{"a": 1}</script>'
        '<script>alert(1)</script><button ONCLICK="go()">x</button><a href="JavaScript:go()">y</a>'
    )
    assert csp_breakers(source) == [
        "inline script <script>alert(1)</script>",
        "handler onclick on <button>",
        "javascript: URL",
    ]


def test_templates_have_no_inline_script_or_event_handler_so_the_csp_holds():
    hits = []
    for t in TEMPLATES:
        hits += [f"{t.relative_to(NTM)}: {hit}" for hit in csp_breakers(t.read_text("utf-8"))]
    assert not hits, hits
