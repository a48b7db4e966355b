"""Links to units: the ONE way a page links to a unit.

``{% load ntm_units %}{% unit_link unit "overview" %}`` renders ``<a href="…">name</a>`` when the user may
open that unit (``accounts.permissions.can_view``) and the name alone otherwise — a district official
sees "Việt Nam › Tỉnh Hà Nam › Huyện Lý Nhân" as a breadcrumb, with only what they may open linked.
``unit`` is a :class:`~ntm.apps.units.models.Unit` or a row dict with ``path`` and ``name``. Python
code that writes links itself (the overview's table of sub-units) calls :func:`unit_link_html`.

Views still check permissions themselves: the helper only keeps pages from offering dead ends.
"""

from __future__ import annotations

from html import escape
from types import SimpleNamespace
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from ntm.apps.accounts.permissions import can_view

register = template.Library()


def _field(unit, name: str, default=""):
    if isinstance(unit, dict):
        return unit.get(name, default)
    return getattr(unit, name, default)


def may_open(user, unit) -> bool:
    """Whether ``user`` may open ``unit``'s pages (the rule is ``permissions.can_view``)."""
    if user is None or unit is None:
        return False
    path = _field(unit, "path", None)
    if path is None:
        return False
    return can_view(user, unit if not isinstance(unit, dict) else SimpleNamespace(path=path))


def unit_link_html(user, unit, href: str, label: str | None = None, css: str = "") -> str:
    """``<a href>label</a>`` when ``user`` may open ``unit``, else ``<span>label</span>`` (escaped)."""
    text = escape(label if label is not None else str(_field(unit, "name")))
    cls = f' class="{escape(css)}"' if css else ""
    if may_open(user, unit):
        return f'<a href="{escape(href)}"{cls}>{text}</a>'
    return f"<span{cls}>{text}</span>"


def request_user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


# where a unit's link can lead: a page named here gets the unit in its address
TARGETS = {
    "overview": lambda uid: (reverse("overview"), {"unit": uid}),
    "detail": lambda uid: (reverse("unit-detail", args=[uid]), {}),
    "browse": lambda uid: (reverse("unit-browse"), {"in": uid}),
    "entry": lambda uid: (reverse("entry-index"), {"unit": uid}),
}


def unit_href(unit, to: str, params: dict | None = None) -> str:
    """The address of ``to`` for ``unit``: one of :data:`TARGETS` (with ``params`` as query string,
    empty values left out), or ``to`` itself when it is already an address ("?…" or "/…")."""
    extra = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    if to in TARGETS:
        path, query = TARGETS[to](str(_field(unit, "uid")))
        query.update(extra)
    else:
        path, query = to, extra
    if not query:
        return path
    return path + ("&" if "?" in path else "?") + urlencode(query)


@register.simple_tag(takes_context=True)
def unit_link(context, unit, to="detail", label=None, css="", **params):
    """``{% unit_link a "overview" period=period.key %}``, ``{% unit_link u "?"|add:query %}``,
    ``{% unit_link r.unit "detail" label=r.unit.name css="x" %}`` — a link only where the user may go."""
    if unit is None:
        return ""
    return mark_safe(
        unit_link_html(
            request_user(context), unit, unit_href(unit, str(to), params), None if label is None else str(label), css
        )
    )


@register.filter
def may_open_unit(user, unit) -> bool:
    """``{% if user|may_open_unit:u %}`` — for a block of links to the same unit."""
    return may_open(user, unit)


@register.simple_tag
def unit_ref(unit, ancestors=None) -> str:
    """What a form shows for a unit, and reads back: its name path from the province down ("Tỉnh Hà
    Nam/Huyện Lý Nhân"), never a code. ``ancestors`` (root first) spares a query when the page has them."""
    if unit is None:
        return ""
    if getattr(unit, "level", "") == "country":
        return unit.name
    if ancestors is None:
        from ntm.apps.units.services import path_names

        names = path_names([unit]).get(unit.id, [])
    else:
        names = [a.name for a in ancestors if getattr(a, "level", "") != "country"]
    return "/".join([*names, unit.name])


@register.simple_tag
def unit_refs(units) -> list[tuple[str, object]]:
    """(name path, unit) for a list of units, in one query: ``{% unit_refs units as refs %}``."""
    from ntm.apps.units.services import path_names

    units = list(units)
    names = path_names(units)
    return [(u.name if u.level == "country" else "/".join([*names.get(u.id, []), u.name]), u) for u in units]
