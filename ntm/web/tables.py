"""Tables people can work with — one mechanism for every list and dashboard table.

A view gives :class:`Table` its rows (a list), its columns and filters; the table reads the query
string and offers:

- ``q``: search by name, without diacritics ("nguyen ly" finds "Xã Nguyên Lý");
- ``sort``: any sortable column, ``-key`` for descending (empty values always last);
- one parameter per :class:`Filter` (standard, status, province, …);
- ``page``: Django's paginator; every link keeps the search, the sort and the filters;
- ``export=csv`` / ``export=xlsx``: exactly the rows (all pages) and the columns shown, as text as
  on the page (numbers as numbers in XLSX).

Templates: ``{% include "tables/_tools.html" %}`` (search, filters, export) above the table,
``{% include "tables/_head.html" %}`` as its ``<thead>`` row, and ``{% include "tables/_pager.html" %}``
below; with htmx, the tools replace the table's region (``#<name>-region``) as the user types, and
the address bar keeps the state. Without script, the same form submits as a plain GET.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from ntm.core.units import normalize


@dataclass
class Column:
    """``value``: what the column sorts by (and what XLSX writes when it is a number); ``text``: what
    the page shows and the export writes (defaults to ``value``)."""

    key: str
    label: Any
    value: Callable[[Any], Any]
    text: Callable[[Any], str] | None = None
    sortable: bool = True
    num: bool = False
    export: bool = True
    order: str | None = None  # for a queryset: the field it sorts by

    def shown(self, row) -> str:
        v = (self.text or self.value)(row)
        return "" if v is None else str(v)


@dataclass
class Filter:
    """A choice list above the table; ``test(row, chosen)`` keeps a row."""

    key: str
    label: Any
    choices: list[tuple[str, Any]]
    test: Callable[[Any, str], bool]
    value: str = ""


@dataclass
class Header:
    label: Any
    num: bool
    url: str | None  # the address that sorts by this column (None: not sortable)
    state: str | None  # "ascending" / "descending" when the table is sorted by it


@dataclass
class Table:
    request: Any
    rows: Iterable
    columns: list[Column]
    search: Callable[[Any], str] | None = None
    filters: list[Filter] = field(default_factory=list)
    default_sort: str = ""
    page_size: int = 100
    name: str = "table"
    title: str = "bang"  # the export's file name (without extension)
    search_label: Any = _("Tìm theo tên (không dấu cũng được)")

    def __post_init__(self):
        params = self.request.GET
        self.q = " ".join((params.get("q") or "").split())[:100]
        self.export = params.get("export") if params.get("export") in ("csv", "xlsx") else ""
        by_key = {c.key: c for c in self.columns if c.sortable}
        sort = params.get("sort") or self.default_sort
        self.sort = sort if sort.lstrip("-") in by_key else ""
        if hasattr(self.rows, "order_by"):  # a queryset: the database filters, sorts and counts
            self._queryset(params, by_key)
            return
        rows = list(self.rows)
        self.total = len(rows)
        if self.q and self.search is not None:
            key = " " + normalize(self.q)  # at the start of a word: "an ninh" is not "Trấn Ninh"
            rows = [r for r in rows if key in " " + normalize(self.search(r))]
        for f in self.filters:
            chosen = params.get(f.key) or ""
            if chosen and chosen in {k for k, _label in f.choices}:
                f.value = chosen
                rows = [r for r in rows if f.test(r, chosen)]
        if self.sort:
            col = by_key[self.sort.lstrip("-")]
            rows = _sorted(rows, col.value, descending=self.sort.startswith("-"))
        self.filtered = rows
        self.filtered_count = len(rows)
        self.page = Paginator(rows, self.page_size).get_page(params.get("page"))

    def _queryset(self, params, by_key) -> None:
        """Filters (``test(queryset, chosen)`` returns the filtered queryset) and the sort's ``order``
        field are applied by the database; the export is bounded by :data:`EXPORT_LIMIT` rows."""
        qs = self.rows
        for f in self.filters:
            chosen = params.get(f.key) or ""
            if chosen and chosen in {k for k, _label in f.choices}:
                f.value = chosen
                qs = f.test(qs, chosen)
        if self.sort:
            col = by_key[self.sort.lstrip("-")]
            field_name = col.order or col.key
            qs = qs.order_by(f"-{field_name}" if self.sort.startswith("-") else field_name, "-pk")
        self.filtered = qs
        self.page = Paginator(qs, self.page_size).get_page(params.get("page"))
        self.filtered_count = self.total = self.page.paginator.count

    # -- addresses ----------------------------------------------------------------------------
    def query(self, **changes) -> str:
        """The current query string (without page and export) with ``changes`` (None removes)."""
        params = self.request.GET.copy()
        for k in ("page", "export"):
            params.pop(k, None)
        for k, v in changes.items():
            params.pop(k, None)
            if v not in (None, ""):
                params[k] = str(v)
        return params.urlencode()

    def url(self, **changes) -> str:
        query = self.query(**changes)
        return f"?{query}" if query else "?"

    @property
    def headers(self) -> list[Header]:
        out = []
        for c in self.columns:
            if not c.sortable:
                out.append(Header(c.label, c.num, None, None))
                continue
            state = "ascending" if self.sort == c.key else "descending" if self.sort == f"-{c.key}" else None
            target = f"-{c.key}" if state == "ascending" else c.key
            out.append(Header(c.label, c.num, self.url(sort=target), state))
        return out

    @property
    def rows_shown(self) -> list:
        return list(self.page.object_list)

    @property
    def hidden_params(self) -> list[tuple[str, str]]:
        """The query parameters the tools form must carry on (the page's own: unit, period, …)."""
        own = {"q", "page", "export", "sort"} | {f.key for f in self.filters}
        return [(k, v) for k, v in self.request.GET.items() if k not in own]

    @property
    def previous_url(self) -> str | None:
        return self.url(page=self.page.previous_page_number()) if self.page.has_previous() else None

    @property
    def next_url(self) -> str | None:
        return self.url(page=self.page.next_page_number()) if self.page.has_next() else None

    @property
    def first_url(self) -> str:
        return self.url(page=1)

    @property
    def last_url(self) -> str:
        return self.url(page=self.page.paginator.num_pages)

    @property
    def csv_url(self) -> str:
        return self.url(export="csv")

    @property
    def xlsx_url(self) -> str:
        return self.url(export="xlsx")

    # -- export ---------------------------------------------------------------------------------
    def _export_rows(self):
        return _export_rows_of(self.filtered)

    def response(self) -> HttpResponse | None:
        """The export asked for (``?export=csv|xlsx``), or None: the page is to be shown."""
        if not self.export:
            return None
        cols = [c for c in self.columns if c.export]
        header = [str(c.label) for c in cols]
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.title).strip("-") or "bang"
        if self.export == "csv":
            buf = io.StringIO()
            buf.write("\ufeff")  # Excel reads UTF-8 with its mark
            w = csv.writer(buf)
            w.writerow(header)
            for r in self._export_rows():
                w.writerow([c.shown(r) for c in cols])
            resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
            resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return resp
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook(write_only=False)
        ws = wb.active
        ws.title = "Dữ liệu"[:31]
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in self._export_rows():
            out = []
            for c in cols:
                v = c.value(r) if c.num else None
                out.append(v if isinstance(v, (int, float)) and not isinstance(v, bool) else c.shown(r))
            ws.append(out)
        ws.freeze_panes = "A2"
        buf = io.BytesIO()
        wb.save(buf)
        resp = HttpResponse(
            buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return resp


EXPORT_LIMIT = 100_000


def _export_rows_of(rows):
    if hasattr(rows, "iterator"):
        return rows[:EXPORT_LIMIT].iterator(chunk_size=2000)
    return rows


def _sorted(rows: list, key: Callable[[Any], Any], *, descending: bool) -> list:
    """Sorted by ``key`` with empty values (None, "") last in both directions; texts compared without
    diacritics first, so "Đức Lý" sorts among the D's."""

    def k(row):
        v = key(row)
        if isinstance(v, str):
            return (normalize(v), v)
        return v

    present = [r for r in rows if key(r) not in (None, "")]
    empty = [r for r in rows if key(r) in (None, "")]
    try:
        present.sort(key=k, reverse=descending)
    except TypeError:  # mixed types: compare as text
        present.sort(key=lambda r: str(key(r)), reverse=descending)
    return present + empty


def choices_from(values: Iterable[str]) -> list[tuple[str, str]]:
    """A filter's choices from the distinct values of a column, in name order."""
    return [(v, v) for v in sorted({v for v in values if v}, key=normalize)]
