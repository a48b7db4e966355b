"""Where a unit stands for the thresholds of a year: its region, province, and the commune group
and ĐBKK/ATK status in force at a date (the :class:`~ntm.core.catalog.Context` the engine reads).
Read by the evaluation and by the entry form and the import (which show and check thresholds)."""

from __future__ import annotations

import datetime as dt

from ntm.core.catalog import Context

from .classifications import in_force
from .models import Unit


def province_code(unit: Unit) -> str | None:
    if unit.level == "province":
        return unit.code
    return province_of_path(unit.path)


_PROVINCE_OF_PATH: dict[str, str] = {}


def province_of_path(path: str) -> str | None:
    """The code of the province on a unit's path (the ids of its ancestors): asked once per set
    evaluated for each saved value, and the ancestors of a path never change (found codes are kept)."""
    code = _PROVINCE_OF_PATH.get(path)
    if code is None:
        ids = [int(x) for x in path.strip("/").split("/") if x]
        code = Unit.objects.filter(id__in=ids, level="province").values_list("code", flat=True).first()
        if code is not None and len(_PROVINCE_OF_PATH) < 20_000:
            _PROVINCE_OF_PATH[path] = code
    return code


def context_for(unit: Unit, year: int, *, on: dt.date | None = None) -> Context:
    """Where the unit stands for thresholds in ``year``: its region, province, and the commune group
    and ĐBKK/ATK status in force on ``on`` (the end of the period evaluated; default the end of the
    year) — dated classifications, see :mod:`ntm.apps.units.classifications`."""
    got = in_force(unit, on or dt.date(year, 12, 31)) if unit.level == "commune" else None
    return Context(
        region=unit.region or None,
        group=(got.group or None) if got else None,
        province=province_code(unit),
        special=got.special if got else False,
        year=year,
    )
