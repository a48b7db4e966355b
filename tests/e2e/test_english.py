"""English complete: every page each demo role reaches, rendered in English, has no Vietnamese left
outside data (names of units and people, the catalogue's own texts, what users typed, stored log
messages) and outside what is deliberately marked Vietnamese (``lang="vi"``: the language switch,
the official wording of scorecards).

A page's visible text is split into text nodes; data strings are removed from each; any Vietnamese
letter left (ă, â, đ, ê, ô, ơ, ư or a tone mark) fails the test with the page and the words.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup, Comment

from .crawl import crawl

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.I)
UNIT_PREFIX = re.compile(
    r"\bViệt Nam\b|\b(?:Xã|Phường|Thị trấn|Thị xã|Huyện|Quận|Thành phố|Tỉnh|Đặc khu)"
    r"(?: (?:- )?[A-ZÀ-ỸĐ0-9][^\s,.;:()›/|]*){1,6}"
)
# pages not linked from a home page that each role should also see in English
EXTRA = {
    "xa": [
        "/nhap-lieu/",
        "/nhap-lieu/xa:13570@2024/xa-ntm-2021/2023-12/",
        "/tai-khoan/",
        "/bao-cao/",
        "/kiem-tra-bao-cao/",
        "/bo-tieu-chi/xa-ntm-2021/",
    ],
    "huyen": [
        "/nhap-lieu/cho-duyet/",
        "/nhat-ky/",
        "/ke-hoach/",
        "/ke-hoach/cong-nhan/",
        "/ke-hoach/them/",
        "/bao-cao/ban-tin/?unit=huyen:353@2024&period=2023-07",
        "/xa/",
        "/thieu-hut/",
        "/don-vi/",
        "/kiem-tra-bao-cao/da-luu/",
    ],
    "tinh": ["/?unit=tinh:35@2024", "/don-vi/?in=tinh:35@2024", "/nhat-ky/"],
    "quocgia": ["/xa/?unit=vn", "/?unit=vn&period=2025-12"],
}


def data_strings() -> set[str]:
    """Texts that are data, not interface: the catalogue's, the names of people, what was stored."""
    from django.contrib.auth import get_user_model

    from ntm.apps.audit.models import AuditEvent
    from ntm.apps.observations.models import Observation
    from ntm.apps.plans.models import PlanTarget, ProgrammeTarget, Recognition
    from ntm.core.catalog import default_catalog

    out: set[str] = set()

    def walk(x):
        if isinstance(x, str):
            if VIETNAMESE.search(x):
                out.add(x.strip())
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)

    for cs in default_catalog():
        walk(cs.data.model_dump(mode="json"))
        out.add(cs.name)
    walk([u.get_full_name() for u in get_user_model().objects.all()])
    walk(list(AuditEvent.objects.values_list("message", "object_repr")))
    walk(list(PlanTarget.objects.values_list("note", flat=True)))
    walk(list(Recognition.objects.values_list("decision", "issued_by", "note")))
    walk(list(ProgrammeTarget.objects.values_list("decision", "source")))
    walk(list(Observation.objects.exclude(note="").values_list("note", flat=True).distinct()[:2000]))
    walk(list(Observation.objects.values_list("created_by_name", flat=True).distinct()[:200]))
    out |= {s[:1].upper() + s[1:] for s in out}  # as headings and first words show them
    return {s for s in out if s}


def vietnamese_left(html: str, data: set[str], names: set[str]) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "svg", "code", "datalist", "option"]):
        tag.decompose()
    for tag in soup.select('[lang="vi"]'):
        tag.decompose()
    left = []
    long_data = sorted((d for d in data if len(d) > 3), key=len, reverse=True)
    for node in soup.find_all(string=True):
        if isinstance(node, Comment):
            continue
        text = " ".join(node.split())
        if not text or not VIETNAMESE.search(text):
            continue
        # data and names, in both orders (a stored message may contain a unit's name, a name may
        # contain a word of the catalogue): the reading that leaves less is the right one
        text = min(
            (
                _without_names(_without_data(text, long_data), names),
                _without_data(_without_names(text, names), long_data),
            ),
            key=lambda t: len(VIETNAMESE.findall(t)),
        )
        words = []
        for phrase in re.split(r"[,.;:()«»\"'|›→·–—]+| - ", text):
            for part in phrase.split("/"):
                part = part.strip()
                if not part or not VIETNAMESE.search(part) or _is_name(part, names):
                    continue
                words += [w for w in part.split() if VIETNAMESE.search(w) and w not in names]
        if words:
            left.append(" ".join(words))
    return left


def _without_data(text: str, long_data: list[str]) -> str:
    for d in long_data:
        if d in text:
            text = text.replace(d, " ")
            if not VIETNAMESE.search(text):
                break
    return text


def _without_names(text: str, names: set[str]) -> str:
    return UNIT_PREFIX.sub(lambda m: " " if _is_name(m.group(0), names) else m.group(0), text)


def _is_name(text: str, names: set[str]) -> bool:
    text = text.strip()
    if text == "Việt Nam":
        return True
    while text:
        if text in names:
            return True
        text = text.rsplit(" ", 1)[0] if " " in text else ""
    return False


@pytest.fixture
def english(client, settings, demo_data):
    from ntm.apps.accounts.testing import with_ntm_middleware

    settings.MIDDLEWARE = with_ntm_middleware(settings.MIDDLEWARE)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return demo_data


def test_the_log_in_page_is_in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/tai-khoan/dang-nhap/").content.decode()
    assert vietnamese_left(html, set(), set()) == []


@pytest.mark.parametrize("role", ["xa", "huyen", "tinh", "quocgia"])
def test_every_page_a_role_sees_is_in_english(client, english, role):
    from ntm.apps.units.models import Unit

    names = set(Unit.objects.values_list("name", flat=True)) | set(Unit.objects.values_list("short_name", flat=True))
    data = data_strings()
    client.force_login(english[role])
    result = crawl(client, "/", max_pages=30, max_links=200)
    pages = dict(result.pages)
    for url in EXTRA[role]:
        resp = client.get(url, follow=True)
        if resp.status_code == 200 and resp["Content-Type"].startswith("text/html"):
            pages[url] = resp.content.decode()
    assert len(pages) >= 8
    problems = {url: left for url, html in pages.items() if (left := vietnamese_left(html, data, names))}
    report = "\n".join(f"{url}: {sorted(set(words))[:12]}" for url, words in problems.items())
    assert not problems, f"untranslated on {len(problems)} pages:\n{report}"
