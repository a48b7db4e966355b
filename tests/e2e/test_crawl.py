"""No dead ends: from each demo role's home page, every link the user is shown answers 200.

A district official used to be shown breadcrumbs to "Việt Nam" and "Tỉnh Hà Nam" that answered 403.
Each role logs in, starts at "/" and follows the links it sees (Django test client, the site's
middleware), reading up to 40 pages and requesting up to 400 links.
"""

from __future__ import annotations

import pytest

from .crawl import crawl

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def site(settings, demo_data):
    from ntm.apps.accounts.testing import with_ntm_middleware

    settings.MIDDLEWARE = with_ntm_middleware(settings.MIDDLEWARE)
    return demo_data


@pytest.mark.parametrize("role", ["xa", "huyen", "tinh", "quocgia"])
def test_every_link_a_user_is_shown_opens(client, site, role):
    client.force_login(site[role])
    result = crawl(client, "/")
    assert len(result.pages) >= 8, f"the crawl read only {len(result.pages)} pages: {sorted(result.pages)}"
    failures = result.failures()
    assert not failures, "\n".join(failures)


def test_breadcrumbs_link_only_the_units_a_user_may_open(client, site):
    from bs4 import BeautifulSoup

    client.force_login(site["huyen"])  # Huyện Lý Nhân: may open the district and its communes only
    html = client.get("/?unit=xa:13570@2024&period=2023-07", follow=True).content.decode()
    crumbs = BeautifulSoup(html, "html.parser").select_one("nav.crumbs")
    assert [a.get_text() for a in crumbs.find_all("a")] == ["Huyện Lý Nhân"]
    assert "Việt Nam" in crumbs.get_text() and "Tỉnh Hà Nam" in crumbs.get_text()  # shown, as plain text
