"""The map a province can present: province outlines from the vendored Natural Earth file, labels, a
legend by standard, zoom controls; the whole country always with Hoàng Sa and Trường Sa; the same
map in the bulletin's PDF."""

from __future__ import annotations

import datetime as dt
import re

import pytest

pytestmark = [pytest.mark.django_db]


def test_the_boundary_file_has_every_province_and_both_archipelagos():
    from ntm.apps.evaluations.maps import boundaries

    data = boundaries()
    assert len(data["provinces"]) == 63 and all(p["rings"] for p in data["provinces"].values())
    names = {a["name"]: a["belongs_to"] for a in data["archipelagos"]}
    assert names == {"Quần đảo Hoàng Sa": "Đà Nẵng", "Quần đảo Trường Sa": "Khánh Hòa"}
    lon0, lat0, lon1, lat1 = data["box"]
    for a in data["archipelagos"]:  # inside the national view
        assert all(lon0 < x < lon1 and lat0 < y < lat1 for x, y, _name in a["features"])


@pytest.mark.parametrize("date", [dt.date(2024, 12, 31), dt.date(2025, 12, 31)])
def test_every_map_of_the_whole_country_shows_hoang_sa_and_truong_sa(date):
    from ntm.apps.evaluations.maps import base_for, draw_base
    from ntm.apps.units.models import Unit

    base = base_for(Unit.objects.get(uid="vn"), date, [])
    assert len(base.provinces) == (63 if date.year == 2024 else 34)  # the 2025 provinces drawn from their lineage
    shapes, labels = draw_base(base, base.projection(560, 560))
    for name in ("Quần đảo Hoàng Sa", "Quần đảo Trường Sa"):
        assert f">{name}</text>" in labels
    assert ">(Đà Nẵng)</text>" in labels and ">(Khánh Hòa)</text>" in labels
    assert shapes.count('class="archipelago"') == 2
    assert shapes.count('class="province') == len(base.provinces)


def test_a_province_overview_draws_its_outline_labels_legend_and_zoom(client, settings, demo_data):
    from ntm.apps.accounts.testing import with_ntm_middleware

    settings.MIDDLEWARE = with_ntm_middleware(settings.MIDDLEWARE)
    client.force_login(demo_data["tinh"])
    html = client.get("/", {"unit": "tinh:35@2024", "period": "2023-12"}).content.decode()
    svg = re.search(r'<svg class="map".*</svg>', html, re.S).group(0)
    assert svg.count('class="province focus"') == 1  # Hà Nam, framed; its neighbours drawn lighter
    assert re.search(r'<text class="lbl-province focus"[^>]*>Hà Nam</text>', svg)
    assert "Đạt chuẩn NTM: " in svg and 'class="legend"' in svg
    assert 'data-map="in"' in html and 'data-map="out"' in html  # zoom controls (shown by the script)
    assert len(re.findall(r"<circle class=\"commune", svg)) == 65  # the xã of Hà Nam in 2024 (not the phường)
    national = client.get("/", {"unit": "vn", "period": "2023-12"})
    assert national.status_code == 403  # the province's account sees its province only


def test_the_bulletin_pdf_has_the_same_map(demo_data):
    from ntm.apps.reports.formats import render
    from ntm.apps.reports.services import bulletin
    from ntm.apps.units.models import Unit
    from ntm.core.reports import Figure

    doc, _data = bulletin(Unit.objects.get(uid="huyen:353@2024"), "2023-07")
    figures = [b for b in doc.blocks if isinstance(b, Figure)]
    assert len(figures) == 1
    svg = figures[0].svg
    assert len(re.findall(r'<circle class="commune s-(ntm|below)"', svg)) == 20 and "href=" not in svg
    assert "Đạt chuẩn NTM: 14 xã" in svg
    pdf = render(doc, "pdf")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert "Bản đồ các xã của Huyện Lý Nhân, tháng 7/2023" in text and "Nguyên Lý" in text
