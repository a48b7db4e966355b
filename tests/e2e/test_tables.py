"""Tables people can work with (ntm.web.tables), as an official uses the commune list: search without
diacritics, sort by a column, filter by standard and province, page through with the filters kept,
and export exactly the rows and columns shown."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def national(client, settings, demo_data):
    from ntm.apps.accounts.testing import with_ntm_middleware

    settings.MIDDLEWARE = with_ntm_middleware(settings.MIDDLEWARE)
    client.force_login(demo_data["quocgia"])
    return client


def rows(html: str, table_id: str) -> list[list[str]]:
    table = BeautifulSoup(html, "html.parser").find("table", id=table_id)
    return [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")]


def headers(html: str, table_id: str) -> list[str]:
    table = BeautifulSoup(html, "html.parser").find("table", id=table_id)
    return [th.get_text(" ", strip=True).rstrip("↕▲▼ ") for th in table.thead.find_all("th")]


def test_national_commune_list_names_the_province_of_communes_with_the_same_name(national):
    html = national.get("/xa/?unit=vn&period=2023-12&q=an ninh").content.decode()
    assert headers(html, "commune-list")[:3] == ["Xã", "Tỉnh", "Huyện"]
    found = rows(html, "commune-list")
    an_ninh = [r for r in found if r[0] == "Xã An Ninh"]
    assert len(an_ninh) >= 5
    assert len({(r[1], r[2]) for r in an_ninh}) == len(an_ninh)  # each one placed: province and district
    from ntm.core.units import normalize

    assert all(" an ninh" in " " + normalize(r[0]) for r in found)  # at a word's start: not "Xã Trấn Ninh"


def test_search_without_diacritics_sort_and_filter(national):
    html = national.get("/xa/?unit=huyen:353@2024&period=2023-12&q=nguyen ly").content.decode()
    assert [r[0] for r in rows(html, "commune-list")] == ["Xã Nguyên Lý"]

    by_name = rows(national.get("/xa/?unit=huyen:353@2024&period=2023-12&sort=name").content.decode(), "commune-list")
    names = [r[0] for r in by_name]
    assert len(names) == 20
    from ntm.core.units import normalize

    assert names == sorted(names, key=normalize)
    desc = rows(national.get("/xa/?unit=huyen:353@2024&period=2023-12&sort=-name").content.decode(), "commune-list")
    assert [r[0] for r in desc] == names[::-1]

    met = national.get("/xa/?unit=huyen:353@2024&period=2023-12&standard=ntm").content.decode()
    assert rows(met, "commune-list") and all(r[1] == "Đạt chuẩn NTM" for r in rows(met, "commune-list"))


def test_pages_keep_the_filters_and_the_export_is_what_is_shown(national):
    url = "/xa/?unit=vn&period=2023-12&standard=nodata&sort=name"
    html = national.get(url).content.decode()
    soup = BeautifulSoup(html, "html.parser")
    next_link = soup.select_one("nav.pager a[rel=next]")
    assert next_link is not None  # thousands of communes have no results in the demo
    for key in ("standard=nodata", "sort=name", "unit=vn", "period=2023-12"):
        assert key in next_link["href"].replace("%3A", ":")
    page2 = national.get("/xa/" + next_link["href"]).content.decode()
    first_two_pages = rows(html, "commune-list") + rows(page2, "commune-list")

    exported = national.get(url + "&export=csv")
    assert exported["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0] == headers(html, "commune-list")
    assert [r[:3] for r in table[1 : len(first_two_pages) + 1]] == [r[:3] for r in first_two_pages]
    assert all(r[3] == "Chưa có kết quả" for r in table[1:])  # Xã, Tỉnh, Huyện, Mức đạt chuẩn…

    xlsx = national.get(url + "&export=xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in ws[1]] == table[0]
    assert ws.max_row == len(table)
