"""The authorisation matrix: every URL pattern of the site × every role → allowed or denied.

The patterns are read from the resolver when the test runs: a pattern (page or API endpoint) without
an entry in ``MATRIX`` fails ``test_every_url_pattern_has_a_matrix_entry`` — adding a URL means
writing down who may use it. Each entry lists requests (method, URL, data) and the roles allowed;
every other role must be denied (a redirect to the log-in page, 401, 403 or 404). A denied write
(POST/PUT/PATCH/DELETE) must leave the database exactly as it was (row counts of every table and a
hash of every row of the tables users write to); the audit log and sessions are left out, since a
denial is itself recorded. An allowed request that lists data must not show Nguyên Lý to the user of
another unit (``hidden``).

Roles: see ``conftest.py``. Admin site patterns (``admin/…``) are one entry: staff only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from .conftest import LY_NHAN, NGUYEN_LY, PERIOD, PERIOD_SUBMITTED, ROLES, SET

pytestmark = pytest.mark.django_db

# -- role groups ---------------------------------------------------------------------------------
EVERYONE = set(ROLES)
USERS = EVERYONE - {"anonymous"}
COMMUNE = {"commune_entry", "commune_reviewer", "commune_leader", "commune_admin"}
# may see Nguyên Lý: a role on it or on an ancestor
VIEWERS = COMMUNE | {
    "district_reviewer",
    "province_leader",
    "province_reviewer",
    "national_reviewer",
    "national_admin",
    "superuser",
}
# may enter data for Nguyên Lý: entry/admin on it or an ancestor
ENTERERS = {"commune_entry", "commune_admin", "national_admin", "superuser"}
# may approve, return or reopen Nguyên Lý's figures: reviewer/admin of its district (which verifies) or
# province (which appraises) — not the commune itself, not the national level; not the submitter
REVIEWERS = {"district_reviewer", "province_reviewer", "superuser"}
# hold a reviewer or admin role somewhere: the review queue and the audit log (each sees their subtree)
REVIEW_ROLE_HOLDERS = {
    "commune_reviewer",
    "commune_admin",
    "district_reviewer",
    "province_reviewer",
    "national_reviewer",
    "national_admin",
    "other_unit",
    "superuser",
}
# may register or change Nguyên Lý's plan: entry/reviewer/admin of its district or province
PLANNERS = {"district_reviewer", "province_reviewer", "superuser"}
# may record, change or delete Nguyên Lý's recognition decision: the province's reviewer/admin (the
# province chairman decides, QĐ 18/2022)
RECOGNISERS = {"province_reviewer", "superuser"}
NATIONAL = {"national_admin", "superuser"}
STAFF = {"superuser"}

LEAK = ["Nguyên Lý", NGUYEN_LY]  # must not appear for other_unit on pages it may open

CELL = f"/nhap-lieu/{NGUYEN_LY}/{SET}/{PERIOD}/"
CELL_SUBMITTED = f"/nhap-lieu/{NGUYEN_LY}/{SET}/{PERIOD_SUBMITTED}/"
Q = f"unit={NGUYEN_LY}&set={SET}&period={PERIOD}"
CLAIM_TEXT = "Báo cáo tháng 7/2023 của xã Nguyên Lý, huyện Lý Nhân, tỉnh Hà Nam: xã đạt 18/19 tiêu chí nông thôn mới."


@dataclass
class Req:
    method: str
    url: object  # str, or callable(world) -> str
    data: object = None  # dict, or callable(world) -> dict
    json: bool = False  # send data as JSON (API)
    files: object = None  # callable(world) -> dict of uploads (multipart)
    setup: object = None  # callable(world): run before the request, inside its rolled-back transaction


@dataclass
class Entry:
    requests: list[Req]
    allowed: set[str]
    hidden: dict[str, list[str]] = field(default_factory=dict)  # role -> strings never shown to it
    note: str = ""
    judge: object = None  # callable(response) -> "allow"/"deny" instead of outcome()


def get(url, **kw) -> Req:
    return Req("GET", url, **kw)


def post(url, data=None, **kw) -> Req:
    return Req("POST", url, data, **kw)


def _entry_post(w):
    return {"v-1.1": "", "a-1.1": "chua_dat", "n-1.1": "ma trận", "ver-1.1": str(w["evidence"].version)}


def _upload(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("nhap.csv", b"unit,set,period,indicator,assessment\n", "text/csv")}


def _catalog_upload(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("bo.xlsx", b"PK\x03\x04 not really", "application/octet-stream")}


def _api_entry(w):
    from ntm.apps.observations.models import Observation

    version = Observation.objects.get(
        unit__uid=NGUYEN_LY,
        set_code=SET,
        period=PERIOD,
        indicator="17.1",
    ).version  # a value replaced names its version
    return [
        {
            "unit": NGUYEN_LY,
            "set": SET,
            "period": PERIOD,
            "indicator": "17.1",
            "assessment": True,
            "expected_version": version,
        }
    ]


def _evidence_upload(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}


def _rec(w):
    """Nguyên Lý's recognition decision (made on first use, inside the test's transaction)."""
    import datetime as dt

    from ntm.apps.plans.models import Recognition

    return Recognition.objects.get_or_create(
        unit=w["units"][NGUYEN_LY],
        set_code=SET,
        defaults={"decision": "9/QĐ-UBND", "decision_date": dt.date(2023, 6, 30), "issued_by": "UBND tỉnh Hà Nam"},
    )[0]


def _rec_form(w):
    return {"set_code": SET, "decision": "10/QĐ-UBND", "decision_date": "01/07/2023", "note": "ma trận"}


MATRIX: dict[str, Entry] = {
    # -- public ------------------------------------------------------------------------------------
    "healthz": Entry([get("/healthz")], EVERYONE),
    "login": Entry(
        [get("/tai-khoan/dang-nhap/"), post("/tai-khoan/dang-nhap/", {"username": "commune_entry", "password": "sai"})],
        EVERYONE,
        note="the log-in page; a wrong password answers the form again",
    ),
    "logout": Entry(
        [post("/tai-khoan/dang-xuat/")],
        EVERYONE,
        note="always ends on the log-in page",
        judge=lambda resp: "allow" if resp.status_code == 302 else "deny",
    ),
    "api-token": Entry(
        [post("/api/v1/token/", {"username": "commune_entry", "password": "sai"})],
        EVERYONE,
        note="public; wrong credentials: 400 and nothing written",
    ),
    "api-schema": Entry([get("/api/v1/schema/?format=json")], EVERYONE, note="the API description, no data"),
    "api-token-logout": Entry([post("/api/v1/token/logout/")], USERS, note="revokes the token it is sent with"),
    "api-not-found": Entry(
        [get("/api/v1/khong-co/"), post("/api/v1/recognitions/0.5/")],
        set(),
        note="any other API path: a JSON 404 for everyone",
    ),
    # -- any logged-in user ------------------------------------------------------------------------
    "catalog-list": Entry([get("/bo-tieu-chi/")], USERS),
    "catalog-detail": Entry([get(f"/bo-tieu-chi/{SET}/")], USERS),
    "account": Entry([get("/tai-khoan/")], USERS),
    "password-change": Entry(
        [
            get("/tai-khoan/doi-mat-khau/"),
            post("/tai-khoan/doi-mat-khau/", {"old_password": "sai", "new_password1": "a", "new_password2": "a"}),
        ],
        USERS,
        note="a wrong current password answers the form again, nothing changed",
    ),
    "account-token-revoke": Entry(
        [post("/tai-khoan/token/thu-hoi/", lambda w: {"key": w["token_keys"]["commune_entry"]})],
        USERS,
        note="each user revokes only their own tokens (test_tokens.py)",
    ),
    "set-language": Entry(
        [post("/tai-khoan/ngon-ngu/", {"language": "en", "next": "/tai-khoan/"})],
        EVERYONE,
        note="the language switch; sets a cookie, nothing stored",
    ),
    "entry-index": Entry([get("/nhap-lieu/")], USERS, hidden={"other_unit": LEAK}),
    "reports-index": Entry([get("/bao-cao/")], USERS, hidden={"other_unit": LEAK}),
    "reports-catalog-export": Entry([get(f"/bao-cao/bo-tieu-chi/{SET}.xlsx")], USERS),
    "api-root": Entry([get("/api/v1/")], USERS),
    "api-set-list": Entry([get("/api/v1/catalog/sets/"), get("/api/v1/catalog/sets/?format=json")], USERS),
    "api-set-detail": Entry([get(f"/api/v1/catalog/sets/{SET}/")], USERS),
    "api-set-indicators": Entry([get(f"/api/v1/catalog/sets/{SET}/indicators/")], USERS),
    "api-claims": Entry(
        [post("/api/v1/claims/", {"text": "Xã Nguyên Lý đạt 18/19 tiêu chí.", "context_names": []}, json=True)],
        USERS,
        note="reads only; stored findings are scoped",
    ),
    "api-unit-list": Entry(
        [get(f"/api/v1/units/?parent={LY_NHAN}"), get("/api/v1/units/?format=json&level=commune&q=nguyen ly")],
        USERS,
        hidden={"other_unit": LEAK},
    ),
    "api-observation-list": Entry(
        [get("/api/v1/observations/"), get(f"/api/v1/observations/?format=json&set={SET}")],
        USERS,
        hidden={"other_unit": LEAK},
    ),
    "api-result-list": Entry(
        [get("/api/v1/results/"), get("/api/v1/results/?format=json")], USERS, hidden={"other_unit": LEAK}
    ),
    # -- seeing Nguyên Lý ----------------------------------------------------------------------------
    "overview": Entry([get(f"/?unit={NGUYEN_LY}&period={PERIOD}")], VIEWERS),
    "communes": Entry(
        [get(f"/xa/?unit={LY_NHAN}&period={PERIOD}")],
        VIEWERS - COMMUNE,
        note="the district's list: commune users do not see their district",
    ),
    "gaps": Entry([get(f"/thieu-hut/?unit={NGUYEN_LY}&period={PERIOD}")], VIEWERS),
    "reevaluation-status": Entry(
        [get("/danh-gia-lai/?runs=1,2")],
        USERS,
        note="the background re-evaluation notice: sets, periods and progress, no unit's data",
    ),
    "unit-browse": Entry(
        [get("/don-vi/?q=nguyen ly"), get("/don-vi/")],
        USERS,
        hidden={"other_unit": LEAK},
        note="lists only what the user may see",
    ),
    "unit-detail": Entry([get(f"/don-vi/{NGUYEN_LY}/")], VIEWERS),
    "entry-form": Entry(
        [get(CELL), post(CELL, _entry_post)],
        VIEWERS,
        note="GET: viewers; the POST is checked separately (entry-form-post)",
    ),
    "entry-evidence": Entry([get(lambda w: f"/nhap-lieu/minh-chung/{w['evidence'].pk}/")], VIEWERS),
    "entry-reporting": Entry([get(f"/nhap-lieu/tinh-hinh-nop/?{Q}")], VIEWERS),
    "plans": Entry([get(f"/ke-hoach/?unit={NGUYEN_LY}&period={PERIOD}")], VIEWERS),
    "reports-bulletin": Entry([get(f"/bao-cao/ban-tin/?unit={NGUYEN_LY}&period={PERIOD}")], VIEWERS),
    "reports-bulletin-download": Entry(
        [
            get(f"/bao-cao/ban-tin/tai-ve/?unit={NGUYEN_LY}&period={PERIOD}&format=html"),
            post(
                "/bao-cao/ban-tin/tai-ve/",
                {"unit": NGUYEN_LY, "period": PERIOD, "format": "html", "signer_name": "Người Thử"},
            ),
        ],
        VIEWERS,
        note="POST: the page's form, the signer for this file only (writes nothing)",
    ),
    "reports-dossier": Entry([get(f"/bao-cao/ho-so/?{Q}")], VIEWERS),
    "reports-dossier-download": Entry(
        [
            get(f"/bao-cao/ho-so/tai-ve/?{Q}&format=html"),
            post(
                "/bao-cao/ho-so/tai-ve/",
                {"unit": NGUYEN_LY, "set": SET, "period": PERIOD, "format": "html", "signer_name": "Người Thử"},
            ),
        ],
        VIEWERS,
    ),
    "reports-template": Entry([get(f"/bao-cao/trao-doi/mau/?{Q}")], VIEWERS),
    "reports-export": Entry(
        [
            get(f"/bao-cao/trao-doi/xuat/?unit={NGUYEN_LY}&what=observations&format=csv"),
            get(f"/bao-cao/trao-doi/xuat/?unit={NGUYEN_LY}&what=results&format=csv"),
        ],
        VIEWERS,
    ),
    "api-unit-detail": Entry(
        [get(f"/api/v1/units/{NGUYEN_LY}/"), get(f"/api/v1/units/{NGUYEN_LY}/?format=json")], VIEWERS
    ),
    "api-result-detail": Entry([get(lambda w: f"/api/v1/results/{w['result'].pk}/")], VIEWERS),
    "api-rollup": Entry([get(f"/api/v1/rollups/?unit={LY_NHAN}&set={SET}&period={PERIOD}")], VIEWERS - COMMUNE),
    "api-bulletin": Entry([get(f"/api/v1/reports/bulletin/?unit={NGUYEN_LY}&period={PERIOD}")], VIEWERS),
    "api-dossier": Entry([get(f"/api/v1/reports/dossier/?{Q}")], VIEWERS),
    # -- entering data for Nguyên Lý --------------------------------------------------------------------
    "entry-preview": Entry([post(f"{CELL}xem-truoc/", {**{"row": "1.1"}, "v-1.1": "", "a-1.1": "dat"})], ENTERERS),
    "entry-carry": Entry([post(f"{CELL}chep-ky-truoc/")], ENTERERS, note="«Chép từ kỳ trước»: fills empty rows only"),
    "entry-transition": Entry(
        [post(f"{CELL}trang-thai/", {"action": "submit"}), post(f"{CELL_SUBMITTED}trang-thai/", {"action": "approve"})],
        set(),
        note="checked per step in WRITE_ROWS and test_reviewing_steps_by_role",
    ),
    "reports-upload": Entry(
        [post("/bao-cao/trao-doi/nhap/", {"unit": NGUYEN_LY, "set": SET, "period": PERIOD}, files=_upload)], ENTERERS
    ),
    "reports-document-settings": Entry(
        [post("/bao-cao/van-ban/thong-tin/", {"unit": NGUYEN_LY, "signer_name": "Người Thử"})],
        ENTERERS,
        note="the signer, recipients… of the unit's bulletins and dossiers",
    ),
    "api-observation-list+POST": None,  # placeholder replaced below (same URL name as the list)
    "api-observation-evidence": Entry(
        [
            post(
                "/api/v1/observations/evidence/",
                {"unit": NGUYEN_LY, "set": SET, "period": PERIOD, "indicator": "1.1"},
                files=_evidence_upload,
            )
        ],
        ENTERERS,
        note="stores a file for the cell; the database is unchanged",
    ),
    # -- reviewing / auditing ------------------------------------------------------------------------
    "entry-pending": Entry([get("/nhap-lieu/cho-duyet/")], REVIEW_ROLE_HOLDERS, hidden={"other_unit": LEAK}),
    "entry-comment": Entry(
        [post(f"{CELL_SUBMITTED}y-kien/", {"indicator": "1.1", "text": "ma trận"})],
        REVIEWERS,
        note="a reviewer's remark on one indicator of a submitted sheet",
    ),
    "data-view": Entry(
        [post("/so-lieu/", {"view": "all", "next": "/tai-khoan/"})],
        REVIEW_ROLE_HOLDERS,
        note="the figures including unapproved data: reviewers only; kept in the session",
    ),
    "audit-log": Entry([get("/nhat-ky/")], REVIEW_ROLE_HOLDERS, hidden={"other_unit": LEAK}),
    # -- plans ---------------------------------------------------------------------------------------
    "plan-create": Entry(
        [
            get(f"/ke-hoach/them/?unit={LY_NHAN}"),
            post(
                f"/ke-hoach/them/?unit={LY_NHAN}",
                lambda w: {"unit": w["units"][NGUYEN_LY].pk, "set_code": "xa-kieu-mau-2021", "year": 2027},
            ),
        ],
        PLANNERS,
    ),
    "plan-edit": Entry(
        [
            get(lambda w: f"/ke-hoach/{w['plan'].pk}/sua/"),
            post(
                lambda w: f"/ke-hoach/{w['plan'].pk}/sua/",
                {"set_code": "xa-nang-cao-2021", "year": 2030, "note": "đổi"},
            ),
        ],
        PLANNERS,
    ),
    "plan-delete": Entry(
        [get(lambda w: f"/ke-hoach/{w['plan'].pk}/xoa/"), post(lambda w: f"/ke-hoach/{w['plan'].pk}/xoa/")], PLANNERS
    ),
    # -- recognition decisions (read: viewers; write: the province's office) ---------------------------
    "recognitions": Entry([get(lambda w: f"/ke-hoach/cong-nhan/?unit={_rec(w).unit.uid}")], VIEWERS),
    "recognition-create": Entry(
        [
            get(f"/ke-hoach/cong-nhan/them/?unit={LY_NHAN}"),
            post(
                f"/ke-hoach/cong-nhan/them/?unit={LY_NHAN}",
                lambda w: {
                    "unit": w["units"][NGUYEN_LY].pk,
                    "set_code": "xa-nang-cao-2021",
                    "decision": "11/QĐ-UBND",
                    "decision_date": "01/12/2023",
                },
            ),
        ],
        RECOGNISERS,
    ),
    "recognition-edit": Entry(
        [
            get(lambda w: f"/ke-hoach/cong-nhan/{_rec(w).pk}/sua/"),
            post(lambda w: f"/ke-hoach/cong-nhan/{_rec(w).pk}/sua/", _rec_form),
        ],
        RECOGNISERS,
    ),
    "recognition-delete": Entry(
        [
            get(lambda w: f"/ke-hoach/cong-nhan/{_rec(w).pk}/xoa/"),
            post(lambda w: f"/ke-hoach/cong-nhan/{_rec(w).pk}/xoa/"),
        ],
        RECOGNISERS,
    ),
    "api-recognition-list": Entry(
        [
            get(lambda w: f"/api/v1/recognitions/?set={_rec(w).set_code}"),
            get("/api/v1/recognitions/?format=json&year=2023"),
        ],
        USERS,
        hidden={"other_unit": LEAK},
    ),
    "api-recognition-detail": Entry([get(lambda w: f"/api/v1/recognitions/{_rec(w).pk}/")], VIEWERS),
    # -- imports (only the person who uploaded a file sees and commits it) ---------------------------
    "reports-import-preview": Entry([get(lambda w: f"/bao-cao/trao-doi/nhap/{w['batch'].batch}/")], {"commune_entry"}),
    "reports-import-confirm": Entry(
        [post(lambda w: f"/bao-cao/trao-doi/nhap/{w['batch'].batch}/xac-nhan/", {"action": "cancel"})],
        {"commune_entry"},
    ),
    # -- the report checker pages (saving figures needs data entry on their unit) --------------------
    "claims-check": Entry([get("/kiem-tra-bao-cao/"), post("/kiem-tra-bao-cao/", {"text": CLAIM_TEXT})], USERS),
    "claims-save": Entry(
        [post("/kiem-tra-bao-cao/luu/", {"text": CLAIM_TEXT, "claim": "1"})],
        ENTERERS,
        judge=lambda resp: (
            "allow"
            if resp.status_code == 200 and "Đã lưu" in body(resp)
            else ("deny" if resp.status_code in (302, 403, 404) else f"HTTP {resp.status_code}")
        ),
    ),
    "claims-saved": Entry([get("/kiem-tra-bao-cao/da-luu/")], USERS, hidden={"other_unit": LEAK}),
    # -- commune groups / ĐBKK status (province offices: reviewer of an ancestor, or administrator) ---
    "unit-classification": Entry(
        [
            get(f"/don-vi/{NGUYEN_LY}/phan-loai/"),
            post(
                f"/don-vi/{NGUYEN_LY}/phan-loai/",
                {
                    "kind": "special",
                    "valid_from": "01/01/2019",
                    "decision_number": "1/QĐ (ma trận)",
                    "decision_date": "01/01/2019",
                    "issued_by": "UBND tỉnh (ma trận)",
                },
            ),
        ],
        {"commune_admin", "district_reviewer", "province_reviewer", "national_admin", "superuser"},
    ),
    "classification-import": Entry(
        [get(f"/don-vi/phan-loai/nhap/?unit={LY_NHAN}")],
        {"district_reviewer", "province_reviewer", "national_admin", "superuser"},
    ),
    "classification-template": Entry([get(f"/don-vi/phan-loai/mau.xlsx?unit={LY_NHAN}")], VIEWERS - COMMUNE),
    # -- memberships of a dissolved unit carried to its successors (its administrators) ----------------
    "membership-succession": Entry([get(f"/don-vi/{LY_NHAN}/ke-thua-phan-quyen/")], NATIONAL),
    # -- a province's own targets 2026–2030 (its entry or reviewer offices) ----------------------------
    "province-targets": Entry([get("/ke-hoach/muc-tieu-tinh/?unit=tinh:37@2025")], NATIONAL),
    # -- the catalogue (national administrators) ------------------------------------------------------
    "reports-catalog-import": Entry(
        [
            get("/bao-cao/bo-tieu-chi/nhap/"),
            post("/bao-cao/bo-tieu-chi/nhap/", {"action": "check"}, files=_catalog_upload),
        ],
        NATIONAL,
    ),
    # -- object changes (old → new per field): like the audit log, each reader sees their subtree ---
    "audit-changes": Entry([get("/nhat-ky/thay-doi/")], REVIEW_ROLE_HOLDERS, hidden={"other_unit": LEAK}),
    # -- a unit's facts: read by those who see the unit (the POST row is in WRITE_ROWS) --------------
    "entry-facts": Entry([get(f"/nhap-lieu/thong-tin-bo-sung/{NGUYEN_LY}/?period={PERIOD}")], VIEWERS),
}
del MATRIX["api-observation-list+POST"]
# the entry form's POST and the API's POST share a URL name with their GET: their own rows
WRITE_ROWS: dict[str, Entry] = {
    "entry-form": Entry([post(CELL, _entry_post)], ENTERERS),
    "entry-facts": Entry(
        [
            post(
                f"/nhap-lieu/thong-tin-bo-sung/{NGUYEN_LY}/",
                {"name": "satisfaction_ok", "period": PERIOD, "value": "1", "note": "ma trận"},
            )
        ],
        ENTERERS,
    ),
    "api-observation-list": Entry([post("/api/v1/observations/", _api_entry, json=True)], ENTERERS),
    "entry-transition:submit": Entry([post(f"{CELL}trang-thai/", {"action": "submit"})], ENTERERS),
    "entry-transition:approve": Entry([post(f"{CELL_SUBMITTED}trang-thai/", {"action": "approve"})], REVIEWERS),
    "api-recognition-list": Entry(
        [
            post(
                "/api/v1/recognitions/",
                {"unit": NGUYEN_LY, "set": "xa-nang-cao-2021", "decision": "12/QĐ-UBND", "decision_date": "2023-12-01"},
                json=True,
            )
        ],
        RECOGNISERS,
    ),
    "api-recognition-detail": Entry(
        [
            Req("PATCH", lambda w: f"/api/v1/recognitions/{_rec(w).pk}/", {"note": "ma trận"}, json=True),
            Req(
                "PUT",
                lambda w: f"/api/v1/recognitions/{_rec(w).pk}/",
                {"unit": NGUYEN_LY, "set": SET, "decision": "13/QĐ-UBND", "decision_date": "2023-07-01"},
                json=True,
            ),
            Req("DELETE", lambda w: f"/api/v1/recognitions/{_rec(w).pk}/"),
        ],
        RECOGNISERS,
    ),
}
MATRIX["entry-form"] = Entry([get(CELL)], VIEWERS)
MATRIX["entry-transition"] = Entry(
    WRITE_ROWS["entry-transition:submit"].requests, ENTERERS, note="also test_reviewing_steps_by_role"
)

ADMIN_ENTRY = "admin (every admin/… pattern)"
ADMIN_PUBLIC = {"admin:login", "admin:logout", "admin:jsi18n"}  # the admin's own log-in; nothing behind it


# -- enumerating the resolver ----------------------------------------------------------------------
def url_patterns():
    """(route, name) of every URL pattern, namespaces joined (``admin:index``)."""
    out = []

    def walk(patterns, prefix, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                sub = ":".join(x for x in (ns, p.namespace) if x)
                walk(p.url_patterns, prefix + str(p.pattern), sub)
            elif isinstance(p, URLPattern):
                name = f"{ns}:{p.name}" if ns and p.name else p.name
                out.append((prefix + str(p.pattern), name))

    walk(get_resolver().url_patterns, "", "")
    return out


def matrix_key(route: str, name: str | None) -> str | None:
    if route.startswith("admin/"):
        return ADMIN_ENTRY
    return name


def test_every_url_pattern_has_a_matrix_entry():
    missing = sorted(
        {
            f"{route}  (name {name})"
            for route, name in url_patterns()
            if matrix_key(route, name) not in MATRIX and matrix_key(route, name) != ADMIN_ENTRY
        }
    )
    assert not missing, (
        "URL patterns without an entry in the authorisation matrix "
        "(tests/security/test_authorisation_matrix.py MATRIX): " + "; ".join(missing)
    )
    names = {matrix_key(r, n) for r, n in url_patterns()}
    stale = sorted(set(MATRIX) - names)
    assert not stale, f"matrix entries for URL names that no longer exist: {stale}"


# -- running requests --------------------------------------------------------------------------------
SKIP_FINGERPRINT = {"audit.auditevent", "sessions.session"}
COUNT_ONLY = {"units.unit", "units.unitlink"}  # large and never written by a page: counted, not hashed


def fingerprint() -> dict[str, tuple[int, str]]:
    out = {}
    for m in apps.get_models():
        label = m._meta.label_lower
        if label in SKIP_FINGERPRINT or not m._meta.managed:
            continue
        qs = m._base_manager.all()
        if label in COUNT_ONLY:
            out[label] = (qs.count(), "")
            continue
        h = hashlib.sha256()
        n = 0
        # force_login sets last_login; an API token's last use is recorded even when the request is refused
        fields = [f.attname for f in m._meta.concrete_fields if f.attname not in ("last_login", "last_used")]
        for row in qs.order_by("pk").values_list(*fields):
            h.update(repr(row).encode())
            n += 1
        out[label] = (n, h.hexdigest())
    return out


def _client(role: str, world, url: str):
    from django.test import Client

    c = Client()
    headers = {}
    if role != "anonymous":
        if url.startswith("/api/"):
            headers["HTTP_AUTHORIZATION"] = f"Token {world['tokens'][role]}"
        else:
            c.force_login(world["users"][role])
    return c, headers


def call(role: str, req: Req, world):
    import json as _json

    url = req.url(world) if callable(req.url) else req.url
    data = req.data(world) if callable(req.data) else req.data
    c, headers = _client(role, world, url)
    if req.method == "GET":
        return c.get(url, **headers)
    if req.json:
        return c.generic(req.method, url, _json.dumps(data or {}), content_type="application/json", **headers)
    payload = dict(data or {})
    if req.files:
        payload.update(req.files(world))
    return getattr(c, req.method.lower())(url, payload, **headers)


def outcome(resp) -> str:
    code = resp.status_code
    if code >= 500:
        return f"error {code}"
    if code in (401, 403, 404):
        return "deny"
    if code in (301, 302, 303) and (
        "/dang-nhap/" in resp.get("Location", "") or "/admin/login/" in resp.get("Location", "")
    ):
        return "deny"
    if code == 405:
        return "method not allowed"
    return "allow"


def body(resp) -> str:
    if getattr(resp, "streaming", False):
        return b"".join(resp.streaming_content).decode("utf-8", "replace")
    return resp.content.decode("utf-8", "replace")


def check_entry(key: str, entry: Entry, world, roles=ROLES) -> list[str]:
    problems = []
    for req in entry.requests:
        url = req.url(world) if callable(req.url) else req.url
        match = resolve(url.split("?")[0])
        expect_name = key.split(":")[0] if key.startswith("entry-transition") else key
        if key != ADMIN_ENTRY and match.view_name != expect_name:
            problems.append(f"{url} resolves to {match.view_name}, not to the entry {key}")
        for role in roles:
            write = req.method in ("POST", "PUT", "PATCH", "DELETE")
            with transaction.atomic():
                if req.setup:
                    req.setup(world)
                before = fingerprint() if write else None
                resp = call(role, req, world)
                got = entry.judge(resp) if entry.judge else outcome(resp)
                if got == "allow" and role in entry.hidden:
                    text = re.sub(r'placeholder="[^"]*"', "", body(resp))  # examples in inputs are not data
                    for s in entry.hidden[role]:
                        if s in text:
                            problems.append(f"{req.method} {url} as {role}: shows «{s}» of a unit it may not see")
                after = fingerprint() if write and got == "deny" else None
                transaction.set_rollback(True)  # every request starts from the same state
            want = "allow" if role in entry.allowed else "deny"
            if got != want:
                problems.append(f"{req.method} {url} as {role}: {got} (HTTP {resp.status_code}), expected {want}")
            elif after is not None and after != before:
                changed = sorted(k for k in after if after[k] != before.get(k))
                problems.append(f"{req.method} {url} as {role}: denied but changed {changed}")
    return problems


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_matrix(key, world):
    problems = check_entry(key, MATRIX[key], world)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("key", sorted(WRITE_ROWS))
def test_writes(key, world):
    problems = check_entry(key, WRITE_ROWS[key], world)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("step", ["return", "reopen"])
def test_reviewing_steps_by_role(step, world):
    """Returning a submission and reopening approved figures: the competent reviewers only (the
    national level, a leader and the commune itself change nothing)."""
    from ntm.apps.observations.workflow import transition

    def approve(w):  # the district approves first (inside the request's rolled-back transaction)
        transition(w["units"][NGUYEN_LY], SET, PERIOD_SUBMITTED, "approve", w["users"]["district_reviewer"])

    req = post(
        f"{CELL_SUBMITTED}trang-thai/",
        {"action": step, "comment": "ma trận"},
        setup=approve if step == "reopen" else None,
    )
    problems = check_entry(f"entry-transition:{step}", Entry([req], REVIEWERS), world)
    assert not problems, "\n".join(problems)


def test_admin_site_is_for_staff_only(world):
    """Every model page of the admin site (list, add, change, history, delete): staff only; a denied
    delete changes nothing."""
    from django.contrib import admin

    reqs = [get("/admin/")]
    few = {"anonymous", "national_admin", "other_unit", "superuser"}  # every kind of non-staff, and staff
    for model in admin.site._registry:
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        reqs.append(get(base))
        obj = model._base_manager.order_by("pk").first()
        if obj is not None and meta.label_lower == "auth.user":
            reqs += [get(f"{base}{obj.pk}/change/"), get(f"{base}{obj.pk}/history/")]
    user_pk = world["users"]["commune_entry"].pk
    reqs.append(post(f"/admin/auth/user/{user_pk}/delete/", {"post": "yes"}))
    reqs.append(
        post(
            "/admin/accounts/membership/add/",
            lambda w: {"user": w["users"]["other_unit"].pk, "unit": w["units"]["vn"].pk, "role": "admin"},
        )
    )
    problems = check_entry(ADMIN_ENTRY, Entry(reqs[:1] + reqs[-2:], STAFF), world)
    problems += check_entry(ADMIN_ENTRY, Entry(reqs[1:-2], STAFF), world, roles=few)
    assert not problems, "\n".join(problems)


def test_an_evidence_path_typed_into_the_api_cannot_fetch_another_units_file(world):
    """The API (and imports) take evidence as text: a user of another unit records the path of Nguyên
    Lý's file on their own commune, then asks for it through their own observation — refused."""
    from django.test import Client

    from ntm.apps.observations.models import Observation

    stolen = world["evidence"].evidence
    c = Client()
    r = c.post(
        "/api/v1/observations/",
        [
            {
                "unit": "xa:06841@2024",
                "set": SET,
                "period": PERIOD,
                "indicator": "1.1",
                "assessment": True,
                "evidence": stolen,
            }
        ],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {world['tokens']['other_unit']}",
    )
    if r.status_code == 201:
        o = Observation.objects.get(
            unit__uid="xa:06841@2024",
            set_code=SET,
            period=PERIOD,
            indicator="1.1",
        )
        c.force_login(world["users"]["other_unit"])
        assert c.get(f"/nhap-lieu/minh-chung/{o.pk}/").status_code == 404
    else:
        assert r.status_code == 400
    c.force_login(world["users"]["commune_entry"])  # the owner still gets the file
    assert c.get(f"/nhap-lieu/minh-chung/{world['evidence'].pk}/").status_code == 200
