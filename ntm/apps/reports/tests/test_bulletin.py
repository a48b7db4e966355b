"""The monthly bulletin: the officials' wording, every figure traced back to stored results, a clean
report-checker run, every format, the download page's scoping."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections import defaultdict

import pytest
from django.urls import reverse

from ntm.apps.evaluations.models import Result
from ntm.apps.reports.formats import render
from ntm.apps.reports.services import bulletin
from ntm.apps.units.services import communes_at, resolve_unit
from ntm.core.periods import Period
from ntm.core.reports.model import to_text

pytestmark = pytest.mark.django_db

ISSUED = dt.date(2023, 7, 31)


@pytest.fixture
def lynhan(demo):
    return resolve_unit("huyen:353@2024")


@pytest.fixture
def doc(lynhan):
    d, _ = bulletin(lynhan, "2023-07", issued=ISSUED)
    return d


def test_lines_as_officials_write_them(doc):
    text = to_text(doc)
    # the three communes of "Bản tin nông thôn mới tháng 7/2023" (Lý Nhân), verbatim
    assert (
        "+ Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới; 17/19 tiêu chí với 70/75 chỉ tiêu nông thôn mới nâng cao."
        in text
    )
    assert (
        "+ Xã Công Lý: đạt 16/19 tiêu chí với 53/57 chỉ tiêu nông thôn mới; 16/19 tiêu chí với 65/75 chỉ tiêu nông thôn mới nâng cao."
        in text
    )
    assert (
        "+ Xã Tiến Thắng: đạt 13/19 tiêu chí với 51/57 chỉ tiêu nông thôn mới; 12/19 tiêu chí với 61/75 chỉ tiêu nông thôn mới nâng cao."
        in text
    )
    assert text.startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n")
    assert "Lý Nhân, ngày 31 tháng 7 năm 2023" in text and "BÁO CÁO\nBản tin nông thôn mới tháng 7/2023" in text
    for heading in (
        "1. Kết quả thực hiện",
        "2. Thay đổi so với đầu năm",
        "3. Chỉ tiêu giảm so với kỳ trước",
        "4. Tiêu chí còn nhiều xã chưa đạt và ngành phụ trách",
        "5. Xã đạt chuẩn",
        "6. Các xã đăng ký đạt chuẩn trong năm",
    ):
        assert heading in text
    assert "ngành phụ trách: Bộ" in text  # a district (a level that no longer exists): the ministries of today
    assert "Phát triển nông thôn" not in text and "Giao thông vận tải" not in text


def _vn(x: float) -> str:
    """17.875 -> '17,88', 18.3 -> '18,3', 18.0 -> '18' (written independently of ntm.core.formatting)."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return s.replace(".", ",")


def test_every_figure_comes_from_stored_results(doc, lynhan):
    """Regenerate the figures from Result rows, independently of the report code, and compare."""
    period = Period.parse("2023-07")
    xa = [u for u in communes_at(lynhan, period.end) if u.type == "Xã"]
    assert len(xa) == 20
    rows = Result.objects.filter(unit__in=xa, period="2023-07").values_list(
        "unit__uid", "set_code", "criteria_met", "indicators_met", "standard_met"
    )
    per_set = defaultdict(list)
    for uid, code, c, i, s in rows:
        assert doc.meta["rows"][uid][code] == [c, i, s]
        per_set[code].append((c, i, s))
    text = to_text(doc)
    totals = {"xa-ntm-2021": (19, 57), "xa-nang-cao-2021": (19, 75)}
    names = {"xa-ntm-2021": "nông thôn mới", "xa-nang-cao-2021": "nông thôn mới nâng cao"}
    for code, vals in per_set.items():
        n = len(vals)
        avg_c = sum(v[0] for v in vals) / n
        avg_i = sum(v[1] for v in vals) / n
        std = sum(1 for v in vals if v[2])
        agg = doc.meta["aggregates"][code]
        assert (agg["units_with_results"], agg["units_at_standard"]) == (n, std)
        assert agg["average_criteria"] == pytest.approx(avg_c)
        ct, it = totals[code]
        sentence = (
            f"Theo bộ tiêu chí {names[code]}, {n} xã đạt bình quân {_vn(avg_c)}/{ct} tiêu chí, "
            f"{_vn(avg_i)}/{it} chỉ tiêu;"
        )
        assert sentence in text
        if std:
            assert (
                f"số xã đạt chuẩn {names[code]}: {std:02d} xã, bằng {_vn(100 * std / 20)}" in text
                or f"số xã đạt chuẩn {names[code]}: {std} xã, bằng" in text
            )
    # table 1 repeats the per-commune figures
    t1 = doc.tables[0]
    by_name = {r[1]: r for r in t1.rows}
    nl = by_name["Xã Nguyên Lý"]
    assert nl[2:6] == ["17/19", "54/57", "17/19", "70/75"]
    # changes since the start of the year (12/2022) agree with the stored baseline
    base = dict(
        Result.objects.filter(unit__uid="xa:13570@2024", set_code="xa-ntm-2021", period="2022-12").values_list(
            "set_code", "criteria_met"
        )
    )
    d = 17 - base["xa-ntm-2021"]
    assert nl[-1] == (f"+{d}" if d > 0 else str(d))


def test_report_checker_finds_nothing_wrong(doc, lynhan):
    from ntm.core.claims import RecordResolver, compare_with, extract

    text = to_text(doc)
    xa = list(communes_at(lynhan, Period.parse("2023-07").end))
    records = [{"uid": u.uid, "name": u.name, "type": u.type, "parent": lynhan.uid} for u in xa]
    records.append({"uid": lynhan.uid, "name": lynhan.name, "type": lynhan.type, "parent": None})
    from types import SimpleNamespace

    report = extract(
        text,
        resolver=RecordResolver([SimpleNamespace(**r) for r in records]),
        context_names=["Huyện Lý Nhân", "Tỉnh Hà Nam"],
    )
    assert report.errors == [], [f.message for f in report.errors]
    assert len(report.claims) >= 40  # 20 communes × 2 sets, and the averages
    stored = {
        (uid, code): (c, i)
        for uid, code, c, i in Result.objects.filter(period="2023-07").values_list(
            "unit__uid", "set_code", "criteria_met", "indicators_met"
        )
    }
    mism = compare_with(report, lambda unit, code, period: stored.get((unit, code)))
    assert mism == [], [f.message for f in mism]
    resolved = [c for c in report.claims if c.unit_code]
    assert len(resolved) >= 40


def test_all_formats(doc):
    import docx
    import openpyxl
    from pypdf import PdfReader

    d = docx.Document(io.BytesIO(render(doc, "docx")))
    body = "\n".join(p.text for p in d.paragraphs)
    assert "+ Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới" in body
    sec = d.sections[0]
    assert round(sec.page_width.cm, 1) == 21.0 and round(sec.page_height.cm, 1) == 29.7
    assert d.styles["Normal"].font.name == "Times New Roman" and d.styles["Normal"].font.size.pt == 13
    header = d.tables[0].rows[0].cells[1].text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header and "Độc lập - Tự do - Hạnh phúc" in header
    pdf = render(doc, "pdf")
    assert pdf.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert "Nguyên Lý" in pages[0].extract_text()
    wb = openpyxl.load_workbook(io.BytesIO(render(doc, "xlsx")))
    assert "ket-qua-xa" in wb.sheetnames and "Biểu đồ 1" in wb.sheetnames
    ws = wb["ket-qua-xa"]
    assert [c.value for c in ws[2]][:3] == ["STT", "Xã", "Tiêu chí (nông thôn mới)"]
    assert len(wb["Biểu đồ 1"]._charts) == 1
    html = render(doc, "html").decode()
    assert "<svg" in html and "Xã Nguyên Lý" in html


def test_commune_and_province_bulletins(demo):
    d, _ = bulletin(resolve_unit("xa:13570@2024"), "2023-07", issued=ISSUED)
    text = to_text(d)
    assert "UBND XÃ NGUYÊN LÝ" in text
    assert "+ Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới" in text
    assert "còn 02 tiêu chí chưa đạt" in text
    # Hà Nam has more communes than fit one line each: one line per district
    d, data = bulletin(resolve_unit("tinh:35@2024"), "2023-07", issued=ISSUED)
    text = to_text(d)
    assert "+ Huyện Lý Nhân: 20 xã đạt bình quân" in text
    assert len(data.rows) > 60 and data.groups


def test_no_results_is_a_clear_error(demo):
    from ntm.apps.reports.services import ReportError

    with pytest.raises(ReportError, match="Chưa có kết quả"):
        bulletin(resolve_unit("huyen:353@2024"), "2021-05")


def test_download_page_is_scoped(client, demo):
    from ntm.apps.accounts.services import create_demo_accounts

    create_demo_accounts()
    from django.contrib.auth import get_user_model

    xa = get_user_model().objects.get(username="demo_xa")
    huyen = get_user_model().objects.get(username="demo_huyen")
    url = reverse("reports-bulletin-download")
    client.force_login(xa)
    assert client.get(url, {"unit": "huyen:353@2024", "period": "2023-07", "format": "docx"}).status_code == 403
    r = client.get(url, {"unit": "xa:13570@2024", "period": "2023-07", "format": "docx"})
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    client.force_login(huyen)
    r = client.get(reverse("reports-bulletin"), {"unit": "huyen:353@2024", "period": "2023-07"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "Xã Nguyên Lý: đạt 17/19 tiêu chí" in page and "Tải DOCX" in page
    r = client.get(url, {"unit": "huyen:353@2024", "period": "2023-07", "format": "xlsx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    client.logout()
    assert client.get(url, {"unit": "huyen:353@2024", "period": "2023-07"}).status_code == 302  # to the login page


def test_cli_writes_the_bulletin(demo, tmp_path):
    from rich.console import Console

    from ntm.apps.reports.cli import cmd_bulletin, cmd_dossier

    buf = io.StringIO()
    console = Console(file=buf, width=200)
    out = tmp_path / "ban-tin.docx"
    assert cmd_bulletin("huyen:353@2024", "2023-07", "docx", out, console) == 0
    assert out.read_bytes()[:2] == b"PK" and "Đã ghi" in buf.getvalue()
    assert cmd_bulletin("Hà Nam/Lý Nhân", "2023-07", "html", tmp_path / "b.html", console) == 0
    assert cmd_bulletin("huyen:353@2024", "2023-13", "docx", out, console) == 1
    assert cmd_bulletin("khong co", "2023-07", "docx", out, console) == 1
    assert cmd_dossier("xa:13570@2024", "xa-ntm-2021", "2023-07", "pdf", tmp_path / "h.pdf", console) == 0


def test_weakest_criteria_and_regressions_come_from_stored_results(doc, lynhan):
    """Tables 2 and 3 regenerated from Result rows (unmet lists of this and the previous period)."""
    xa = [u for u in communes_at(lynhan, Period.parse("2023-07").end) if u.type == "Xã"]
    now = {
        (uid, code): (set(c), set(i))
        for uid, code, c, i in Result.objects.filter(unit__in=xa, period="2023-07").values_list(
            "unit__uid", "set_code", "unmet_criteria", "unmet_indicators"
        )
    }
    before = {
        (uid, code): set(i)
        for uid, code, i in Result.objects.filter(unit__in=xa, period="2023-06").values_list(
            "unit__uid", "set_code", "unmet_indicators"
        )
    }
    # weakest criteria (national set): how many communes miss each criterion
    misses = defaultdict(int)
    for (_uid, code), (crit, _) in now.items():
        if code == "xa-ntm-2021":
            for n in crit:
                misses[str(n)] += 1
    weak = next(t for t in doc.tables if t.key == "tieu-chi-yeu")
    assert weak.rows, "the demo data has unmet criteria"
    for row in weak.rows:
        assert row[2] == f"{misses[row[0]]}/{len(xa)}"
        assert row[4].startswith("Bộ ")  # the responsible sector
    listed = [int(r[2].split("/")[0]) for r in weak.rows]
    assert listed == sorted(listed, reverse=True) and listed[0] == max(misses.values())
    # indicators met last month and not met now
    names = {u.uid: u.name for u in xa}
    set_names = {"xa-ntm-2021": "nông thôn mới", "xa-nang-cao-2021": "nông thôn mới nâng cao"}
    expected = {
        (names[uid], set_names[code], ind)
        for (uid, code), (_, unmet) in now.items()
        if (uid, code) in before
        for ind in unmet - before[(uid, code)]
    }
    reg = next(t for t in doc.tables if t.key == "chi-tieu-giam")
    assert {(r[0], r[1], r[2]) for r in reg.rows} == expected and len(reg.rows) == len(expected)
    text = to_text(doc)
    assert "Các chỉ tiêu từ đạt chuyển sang chưa đạt so với tháng 6/2023" in text


def test_generated_text_has_no_finding_at_all(doc):
    """Not only no error: not one warning of the report checker on the bulletin's text."""
    from ntm.core.claims import extract

    report = extract(to_text(doc), context_names=["Huyện Lý Nhân", "Tỉnh Hà Nam"])
    assert report.findings == [], [(f.code, f.message) for f in report.findings]
    assert {c.set for c in report.claims} >= {"xa-ntm-2021", "xa-nang-cao-2021"}
    averages = [c for c in report.claims if c.average]
    assert averages and all(c.aggregate_of == 20 for c in averages)


def test_docx_rows_never_split_across_pages(doc):
    import docx
    from docx.oxml.ns import qn

    d = docx.Document(io.BytesIO(render(doc, "docx")))
    data_tables = d.tables[1:]  # after the national heading
    assert data_tables
    for t in data_tables:
        assert all(r._tr.trPr is not None and r._tr.trPr.find(qn("w:cantSplit")) is not None for r in t.rows)


# -- large units: districts in the body, every commune in the annex ------------------------------
@pytest.fixture
def hanam(demo):
    d, data = bulletin(resolve_unit("tinh:35@2024"), "2023-07", issued=ISSUED)
    return d, data


def test_province_annex_lists_every_commune_with_its_stored_figures(hanam):
    """Hà Nam has more communes than fit the body: each one's line is in the annex (phụ lục), under its
    district, with the figures regenerated here from Result rows."""
    doc, data = hanam
    text = to_text(doc)
    body, annex = text.split("PHỤ LỤC. KẾT QUẢ ĐÁNH GIÁ CỦA TỪNG XÃ, THÁNG 7/2023")
    assert "Kết quả của từng xã (" in body and "có trong Phụ lục" in body
    assert "+ Huyện Lý Nhân: 20 xã đạt bình quân" in body
    period = Period.parse("2023-07")
    xa = [u for u in communes_at(resolve_unit("tinh:35@2024"), period.end) if u.type == "Xã"]
    assert len(xa) == len(data.rows) > 60
    stored = defaultdict(dict)
    for uid, code, c, i, s in Result.objects.filter(unit__in=xa, period="2023-07").values_list(
        "unit__uid", "set_code", "criteria_met", "indicators_met", "standard_met"
    ):
        stored[uid][code] = (c, i, s)
    lines = [ln for ln in annex.splitlines() if ln.startswith("+ Xã ")]
    assert len(lines) == len(xa)  # every commune once
    by_name = {ln[2:].split(":")[0]: ln for ln in lines}
    for u in xa:
        line = by_name[u.name]
        ntm = stored[u.uid].get("xa-ntm-2021")
        if ntm is None:
            assert "chưa có kết quả đánh giá" in line
            continue
        assert line.startswith(f"+ {u.name}: đạt {ntm[0]}/19 tiêu chí với {ntm[1]}/57 chỉ tiêu nông thôn mới")
        assert ("; đạt chuẩn nông thôn mới" in line) == ntm[2]
        nc = stored[u.uid].get("xa-nang-cao-2021")
        if nc:
            assert f"{nc[0]}/19 tiêu chí với {nc[1]}/75 chỉ tiêu nông thôn mới nâng cao" in line
    # grouped by district, each heading with its number of communes
    assert "Huyện Lý Nhân (20 xã)" in annex
    lynhan = annex.split("Huyện Lý Nhân (20 xã)")[1].split("\nHuyện ")[0]
    assert (
        "+ Xã Nguyên Lý: đạt 17/19 tiêu chí với 54/57 chỉ tiêu nông thôn mới; 17/19 tiêu chí với 70/75 chỉ tiêu "
        "nông thôn mới nâng cao" in lynhan
    )


def test_province_bulletin_passes_the_report_checker(hanam):
    from types import SimpleNamespace

    from ntm.core.claims import RecordResolver, compare_with, extract

    doc, _ = hanam
    prov = resolve_unit("tinh:35@2024")
    end = Period.parse("2023-07").end
    records = [SimpleNamespace(uid=u.uid, name=u.name, type=u.type, parent=prov.uid) for u in communes_at(prov, end)]
    records.append(SimpleNamespace(uid=prov.uid, name=prov.name, type=prov.type, parent=None))
    report = extract(to_text(doc), resolver=RecordResolver(records), context_names=["Tỉnh Hà Nam"])
    assert report.errors == [], [f.message for f in report.errors]
    stored = {
        (uid, code): (c, i)
        for uid, code, c, i in Result.objects.filter(period="2023-07").values_list(
            "unit__uid", "set_code", "criteria_met", "indicators_met"
        )
    }
    assert compare_with(report, lambda unit, code, period: stored.get((unit, code))) == []
    pairs = sum(len(v) for v in doc.meta["rows"].values())  # (commune, set) with a stored result
    assert pairs >= 40 and len([c for c in report.claims if c.unit_code]) >= pairs  # each one's line is read


def test_pdf_keeps_page_numbers_bookmarks_and_the_same_text_on_every_render(doc):
    """The PDF is laid out with a cut-down user-agent stylesheet and a font set-up kept between renders."""
    from pypdf import PdfReader

    def read(pdf: bytes):
        reader = PdfReader(io.BytesIO(pdf))
        texts = [unicodedata.normalize("NFC", p.extract_text()) for p in reader.pages]

        def titles(outline):
            for x in outline:
                yield from titles(x) if isinstance(x, list) else [x.title]

        return texts, list(titles(reader.outline))

    texts, bookmarks = read(render(doc, "pdf"))
    assert len(texts) > 2
    assert texts[0].rstrip().splitlines()[-1] != "1"  # no number on the first page
    for k, text in enumerate(texts[1:], start=2):
        assert text.rstrip().splitlines()[-1] == str(k)  # the number at the top of every other page (read last)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts[0] and "Độc lập - Tự do - Hạnh phúc" in texts[0]
    assert bookmarks[:3] == ["BÁO CÁO", "1. Kết quả thực hiện", "2. Thay đổi so với đầu năm"]
    assert read(render(doc, "pdf")) == (texts, bookmarks)  # a second render in the same process: the same file


def test_province_annex_in_docx_and_pdf(hanam):
    import docx
    from docx.oxml.ns import qn
    from pypdf import PdfReader

    doc, data = hanam
    d = docx.Document(io.BytesIO(render(doc, "docx")))
    paras = d.paragraphs
    k = next(i for i, p in enumerate(paras) if p.text.startswith("PHỤ LỤC."))
    assert paras[k]._p.pPr.find(qn("w:pageBreakBefore")) is not None  # the annex starts a page
    annex = [p.text for p in paras[k:] if p.text.startswith("+ Xã ")]
    assert len(annex) == len(data.rows)
    assert d.tables[1].rows[0].cells[1].text == "Đơn vị"  # table 1: one row per district
    reader = PdfReader(io.BytesIO(render(doc, "pdf")))
    pdf_text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    annex_pdf = pdf_text.split("KẾT QUẢ ĐÁNH GIÁ CỦA TỪNG XÃ")[1]
    assert annex_pdf.count("+ Xã ") == len(data.rows)


def test_rendered_file_is_cached_until_a_result_changes(lynhan):
    from django.utils import timezone

    from ntm.apps.reports.cache import cache_dir, render_bulletin

    first = render_bulletin(lynhan, "2023-07", "docx")
    second = render_bulletin(lynhan, "2023-07", "docx")
    assert (first.cached, second.cached) == (False, True)
    assert second.content == first.content and second.filename == first.filename == "ban-tin-ntm-ly-nhan-2023-07"
    assert len(list(cache_dir().glob("*.docx"))) == 1
    assert "+ Xã Nguyên Lý: đạt 17/19 tiêu chí" in render_bulletin(lynhan, "2023-07", "txt").content.decode()
    r = Result.objects.get(unit__uid="xa:13570@2024", set_code="xa-ntm-2021", period="2023-07")
    saved = (r.criteria_met, r.computed_at)
    try:
        Result.objects.filter(pk=r.pk).update(criteria_met=18, computed_at=timezone.now())  # as a save does
        third = render_bulletin(lynhan, "2023-07", "txt")
        assert not third.cached
        assert "+ Xã Nguyên Lý: đạt 18/19 tiêu chí" in third.content.decode()
        assert render_bulletin(lynhan, "2023-07", "txt").cached
        assert not render_bulletin(lynhan, "2023-07", "docx").cached  # every format of the unit is renewed
    finally:
        Result.objects.filter(pk=r.pk).update(criteria_met=saved[0], computed_at=saved[1])
    assert render_bulletin(lynhan, "2023-07", "txt", use_cache=False).cached is False


def test_download_serves_the_cached_file(client, demo):
    from django.contrib.auth import get_user_model

    from ntm.apps.accounts.services import create_demo_accounts

    create_demo_accounts()
    client.force_login(get_user_model().objects.get(username="demo_huyen"))
    url = reverse("reports-bulletin-download")
    q = {"unit": "huyen:353@2024", "period": "2023-07", "format": "pdf"}
    a, b = client.get(url, q), client.get(url, q)
    assert a.status_code == b.status_code == 200 and a.content == b.content and a.content.startswith(b"%PDF")
    assert 'filename="ban-tin-ntm-ly-nhan-2023-07.pdf"' in b["Content-Disposition"]
