"""The criteria catalogue as officials read it: sets, criteria, indicators, thresholds and their sources."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from ntm.core.catalog import REGIONS, default_catalog


def catalog_list(request):
    return render(request, "catalog/list.html", {"sets": list(default_catalog())})


def catalog_detail(request, code: str):
    cat = default_catalog()
    if code not in cat:
        raise Http404("Không có bộ tiêu chí này")
    s = cat.get(code)
    rows = []
    for c in s.criteria:
        inds = []
        for i in c.indicators:
            inds.append({"ind": i, "thresholds": s.thresholds_of(i.code)})
        rows.append({"criterion": c, "indicators": inds})
    return render(request, "catalog/detail.html", {"set": s, "rows": rows, "regions": REGIONS})
