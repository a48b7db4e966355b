"""Helpers for tests of the web pages (used by the accounts, observations, audit and e2e tests)."""

from __future__ import annotations

NTM_MIDDLEWARE = ["ntm.apps.audit.middleware.AuditMiddleware", "ntm.apps.accounts.middleware.LoginRequiredMiddleware"]
AFTER = "django.contrib.auth.middleware.AuthenticationMiddleware"


def with_ntm_middleware(middleware: list[str]) -> list[str]:
    """MIDDLEWARE with the audit and log-in-required middleware right after authentication (as in
    ``ntm.web.settings``); unchanged when they are already there."""
    out = [m for m in middleware]
    missing = [m for m in NTM_MIDDLEWARE if m not in out]
    if missing:
        i = out.index(AFTER) + 1
        out[i:i] = missing
    return out


def demo_users() -> dict:
    """The four demo accounts (password ``ntm-demo``), by short name: xa, huyen, tinh, quocgia."""
    from django.contrib.auth import get_user_model

    from .services import create_demo_accounts

    create_demo_accounts()
    User = get_user_model()
    return {n: User.objects.get(username=f"demo_{n}") for n in ("xa", "huyen", "tinh", "quocgia")}


def seed_cell(
    unit,
    set_code: str = "xa-ntm-2021",
    period: str = "2023-07",
    unmet: tuple[str, ...] = ("17.1", "17.2"),
    user=None,
    approved: bool = False,
) -> None:
    """Every indicator of the set assessed by the official: đạt except ``unmet`` (chưa đạt); with
    ``approved``, the sheet is then approved (:func:`approve`): its figures are published."""
    from ntm.apps.observations.services import Entry, record_many
    from ntm.core.catalog import default_catalog

    cs = default_catalog().get(set_code)
    record_many(
        [
            Entry(unit=unit, set_code=set_code, period=period, indicator=i.code, assessment=i.code not in unmet)
            for i in cs.indicators
        ],
        user=user,
        source="demo",
    )
    if approved:
        approve(unit, set_code, period)


def approve(unit, set_code: str = "xa-ntm-2021", period: str = "2023-07") -> None:
    """The sheet of a unit, set and period approved without the pages (an approved submission; its
    current values become the approved ones and the published figures are evaluated): for tests about
    what approved figures show. The workflow's own tests go through ``workflow.transition``."""
    from ntm.apps.evaluations.services import approve_cell
    from ntm.apps.observations.models import Submission, SubmissionState
    from ntm.core.periods import Period

    p = Period.parse(period)
    Submission.objects.update_or_create(
        unit=unit,
        set_code=set_code,
        period=p.key,
        defaults={"year": p.year, "state": SubmissionState.APPROVED, "reviewed_by_name": "kiểm thử"},
    )
    approve_cell(unit, set_code, p)


def reopen(unit, set_code: str = "xa-ntm-2021", period: str = "2023-07") -> None:
    """An approved sheet open for writing again, as after a reviewer's «Mở lại» (its approved figures
    stay published): for tests that change values of the demo, whose sheets are approved and locked."""
    from ntm.apps.observations.models import Submission, SubmissionState
    from ntm.core.periods import Period

    Submission.objects.filter(unit=unit, set_code=set_code, period=Period.parse(period).key).update(
        state=SubmissionState.DRAFT
    )


def api_token(user, name: str = "test") -> str:
    """A new API token of ``user`` (the text a client sends as ``Authorization: Token …``)."""
    from .tokens import issue

    return issue(user, name=name)[1]


# -- reading a page as its user does: through an HTML parser, never with regular expressions ----------
# Block elements start a new line on screen; inline ones (strong, span, a) run on with their neighbours.
_BLOCK = frozenset(
    "address article aside blockquote br caption dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr legend li main nav ol option p pre section summary table tbody td "
    "tfoot th thead title tr ul".split()
)
_HIDDEN = frozenset({"script", "style", "template"})


def soup(page):
    """The parsed page: ``page`` is a response, HTML text or bytes, or an already parsed node. A
    response is parsed once, however many times it is read (do not change what this returns)."""
    from bs4 import BeautifulSoup
    from bs4.element import Tag

    if isinstance(page, Tag):
        return page
    parsed = getattr(page, "_parsed_html", None)
    if parsed is not None:
        return parsed
    content = getattr(page, "content", page)
    if isinstance(content, bytes):
        content = content.decode()
    parsed = BeautifulSoup(content, "html.parser")
    if hasattr(page, "content"):
        page._parsed_html = parsed
    return parsed


def text(page, *, spoken: bool = False) -> str:
    """The text a reader sees in ``page`` (a response, HTML or a node), whitespace collapsed: entities
    decoded, scripts and styles left out, a space between block elements and none inside a line.
    ``spoken``: without what is ``aria-hidden`` (the name a screen reader gives, e.g. a column's
    header without its sort arrow)."""
    from bs4.element import NavigableString, PreformattedString, Tag

    parts: list[str] = []

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                if child.name in _HIDDEN or (spoken and child.get("aria-hidden") == "true"):
                    continue
                block = child.name in _BLOCK
                if block:
                    parts.append(" ")
                walk(child)
                if block:
                    parts.append(" ")
            elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
                parts.append(str(child))

    node = soup(page)
    walk(node)
    return " ".join("".join(parts).split())


def one(page, css: str):
    """The single element of ``page`` matching the CSS selector ``css`` (fails if none or several)."""
    found = soup(page).select(css)
    assert len(found) == 1, f"{len(found)} elements match {css!r}"
    return found[0]


def texts(page, css: str) -> list[str]:
    """The visible text of each element matching ``css``, in page order."""
    return [text(node) for node in soup(page).select(css)]


def rows(table) -> list[list[str]]:
    """The text of the cells of each body row of a table (rows with ``td`` cells, header rows left out)."""
    return [[text(c) for c in tr.find_all(["td", "th"], recursive=False)] for tr in table.select("tr") if tr.td]


def cell(table, row, column: str) -> str:
    """The text of one cell of ``table``: ``row`` is a ``tr`` element or the text of a row's first cell,
    ``column`` the text of a column's header (without a sort arrow)."""
    headers = [text(th, spoken=True) for th in table.select("thead tr")[0].find_all(["th", "td"], recursive=False)]
    assert column in headers, f"no column {column!r} in {headers}"
    if isinstance(row, str):
        found = [tr for tr in table.select("tr") if tr.td and text(tr.find(["td", "th"])) == row]
        assert len(found) == 1, f"{len(found)} rows named {row!r}"
        row = found[0]
    return text(row.find_all(["td", "th"], recursive=False)[headers.index(column)])


def csrf_token(page) -> str:
    """The CSRF token the first form of ``page`` (a page or one form) would post."""
    field = soup(page).select_one("input[name=csrfmiddlewaretoken]")
    assert field is not None, "no CSRF token in the page"
    return field["value"]


def form_values(form) -> dict[str, str]:
    """What a browser would post for ``form`` unchanged: text inputs, checked boxes, the selected (or
    first) option of each select, the text of each text area; disabled fields are not posted."""
    out: dict[str, str] = {}
    for field in soup(form).find_all(["input", "select", "textarea"], attrs={"name": True}):
        name = field["name"]
        if field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            out[name] = field.string or ""
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            out[name] = chosen.get("value", chosen.get_text()) if chosen else ""
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                out[name] = field.get("value", "on")
        elif field.get("type") not in ("submit", "button", "file", "image", "reset"):
            out[name] = field.get("value", "")
    return out
