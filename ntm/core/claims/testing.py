"""A small stand-in catalogue with the shape the checker reads, for tests and the benchmark.

Totals and placeholders mirror ``ntm/data/catalog`` (xã NTM 19/57, nâng cao 19/75 mostly
placeholders, kiểu mẫu 4/4 with no declared indicator total, huyện nâng cao 9/38 placeholders…).
Where the split of indicators per criterion is not in the catalogue it is made up; use this for
tests only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace


def _codes(counts: list[int]) -> dict[int, list[str]]:
    out = {}
    for n, k in enumerate(counts, start=1):
        out[n] = [str(n)] if k == 1 else [f"{n}.{j}" for j in range(1, k + 1)]
    return out


@dataclass
class StubSet:
    code: str
    level: str
    tier: str
    phase: str
    criteria: dict[int, list[str]]
    declared: tuple[int, int | None] | None = None
    placeholder_count: int = 0
    name: str = ""
    data: SimpleNamespace = field(init=False)

    def __post_init__(self):
        declared = None
        if self.declared is not None:
            declared = SimpleNamespace(criteria=self.declared[0], indicators=self.declared[1])
        self.data = SimpleNamespace(
            code=self.code,
            name=self.name or self.code,
            level=self.level,
            tier=self.tier,
            phase=self.phase,
            province=None,
            declared=declared,
            criteria=[SimpleNamespace(number=n, indicators=c) for n, c in sorted(self.criteria.items())],
        )

    @property
    def criteria_count(self) -> int:
        return len(self.criteria)

    @property
    def indicator_count(self) -> int:
        return sum(len(v) for v in self.criteria.values())

    def indicator_codes(self) -> list[str]:
        return [c for n in sorted(self.criteria) for c in self.criteria[n]]


class StubCatalog:
    def __init__(self, sets: list[StubSet]):
        self.sets = {s.code: s for s in sets}

    def get(self, code: str) -> StubSet:
        return self.sets[code]

    def __contains__(self, code: str) -> bool:
        return code in self.sets

    def __iter__(self):
        return iter(self.sets.values())


XA_NTM_2021 = [2, 4, 2, 2, 1, 3, 1, 4, 2, 1, 1, 2, 5, 2, 4, 1, 12, 6, 2]  # 57, as in the catalogue
XA_NANG_CAO_2021 = [3, 4, 5, 2, 4, 5, 1, 4, 2, 1, 1, 3, 6, 5, 3, 4, 12, 8, 2]  # 75, as in the catalogue
XA_NTM_2016 = [1, 2, 2, 2, 1, 2, 1, 3, 2, 1, 1, 1, 2, 2, 3, 1, 8, 6, 2]  # 49 — split made up
XA_NTM_2026 = [3, 6, 5, 4, 6, 4, 4, 7, 4, 4]  # 47 — split made up
HUYEN_NANG_CAO_2021 = [4, 4, 4, 4, 5, 5, 4, 4, 4]  # 38, all placeholders
HUYEN_NTM_2021 = [1, 2, 1, 1, 2, 2, 2, 1, 1]  # 13 placeholders, no declared indicator total


def stub_catalog() -> StubCatalog:
    """Shaped like the shipped catalogue: declared totals 19/49, 19/57, 19/75, 10/47, 9/38; the
    2010–2015 set (19 placeholders), the model-commune and district-NTM sets declare no indicator total."""
    return StubCatalog(
        [
            StubSet("xa-ntm-2010", "commune", "ntm", "2010-2015", _codes([1] * 19), (19, None), placeholder_count=19),
            StubSet("xa-ntm-2016", "commune", "ntm", "2016-2020", _codes(XA_NTM_2016), (19, 49), placeholder_count=2),
            StubSet("xa-ntm-2021", "commune", "ntm", "2021-2025", _codes(XA_NTM_2021), (19, 57)),
            StubSet(
                "xa-nang-cao-2021",
                "commune",
                "nang_cao",
                "2021-2025",
                _codes(XA_NANG_CAO_2021),
                (19, 75),
                placeholder_count=68,
            ),
            StubSet("xa-kieu-mau-2021", "commune", "kieu_mau", "2021-2025", _codes([1, 1, 1, 1]), None),
            StubSet(
                "huyen-ntm-2021", "district", "ntm", "2021-2025", _codes(HUYEN_NTM_2021), None, placeholder_count=13
            ),
            StubSet(
                "huyen-nang-cao-2021",
                "district",
                "nang_cao",
                "2021-2025",
                _codes(HUYEN_NANG_CAO_2021),
                (9, 38),
                placeholder_count=38,
            ),
            StubSet("xa-ntm-2026", "commune", "ntm", "2026-2030", _codes(XA_NTM_2026), (10, 47), placeholder_count=47),
        ]
    )
