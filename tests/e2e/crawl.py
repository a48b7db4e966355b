"""Follow the links a user is shown, as a person clicking through the site would (Django test client).

Shared by the crawl test (every link answers 200) and the English test (every page it reaches is in
English): :func:`crawl` starts at a user's home page, reads every page it reaches up to a budget,
and records the status of every link on those pages.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup

# links that are not pages of the application (the admin site has its own log-in; the API answers JSON)
SKIP_PREFIXES = ("/admin/", "/static/", "/api/", "/tai-khoan/dang-xuat/")


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # url → HTML of the pages read
    status: dict[str, int] = field(default_factory=dict)  # url → final status of every link followed
    found_on: dict[str, str] = field(default_factory=dict)  # url → the page that showed it first

    def failures(self) -> list[str]:
        return [
            f"{url} → {code} (link on {self.found_on.get(url, '?')})"
            for url, code in sorted(self.status.items())
            if code != 200
        ]


def links(html: str, base: str) -> list[str]:
    """The same-site links of a page (``<a href>``), without fragments, in page order."""
    soup = BeautifulSoup(html, "html.parser")
    out = []
    for a in soup.find_all("a", href=True):
        href = a["href"].strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        parts = urlsplit(url)
        if parts.netloc and parts.netloc not in ("testserver", ""):
            continue
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        if local.startswith(SKIP_PREFIXES):
            continue
        out.append(local)
    return out


def _get(client, url: str, budget: int = 5):
    resp = client.get(url)
    while resp.status_code in (301, 302) and budget:
        url, budget = resp["Location"], budget - 1
        resp = client.get(url)
    return resp


def crawl(client, start: str = "/", *, max_pages: int = 40, max_links: int = 400) -> Crawl:
    """Read up to ``max_pages`` HTML pages breadth first from ``start``; every link shown on them (up
    to ``max_links``) is requested, redirects followed, and its final status recorded."""
    out = Crawl()
    queue = deque([start])
    out.found_on[start] = "(start)"
    seen = {start}
    while queue and len(out.status) < max_links:
        url = queue.popleft()
        resp = _get(client, url)
        out.status[url] = resp.status_code
        html_page = resp.status_code == 200 and resp.get("Content-Type", "").startswith("text/html")
        if not html_page or len(out.pages) >= max_pages:
            continue
        html = resp.content.decode()
        out.pages[url] = html
        for link in links(html, "http://testserver" + url):
            if link not in seen:
                seen.add(link)
                out.found_on[link] = url
                queue.append(link)
    return out
