"""A small stand-in catalogue with the shape the checker reads, for tests and the benchmark.

Totals follow what bulletins use (xã NTM 19/57, nâng cao 19/75, kiểu mẫu 4 criteria whose
indicator total is *not* authoritative, huyện nâng cao 9/38 with placeholders…). Indicator codes
are made up where the domain notes do not give them; do not use them for anything but tests.
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
            code=self.code, name=self.name or self.code, level=self.level, tier=self.tier, phase=self.phase,
            province=None, declared=declared,
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


XA_NTM_2021 = [2, 4, 2, 2, 1, 3, 1, 4, 2, 1, 1, 2, 5, 2, 4, 1, 12, 6, 2]  # 57
XA_NANG_CAO_2021 = [3, 6, 2, 2, 2, 6, 1, 7, 2, 1, 1, 4, 5, 3, 3, 3, 14, 8, 2]  # 75
XA_NTM_2016 = [1, 2, 2, 2, 1, 2, 1, 3, 2, 1, 1, 1, 2, 2, 3, 1, 8, 6, 2]  # 49 — made up
XA_NTM_2026 = [3, 6, 5, 4, 6, 4, 4, 7, 4, 4]  # 47 — made up
HUYEN_NANG_CAO_2021 = [4, 4, 3, 3, 6, 6, 4, 4, 4]  # 38, some placeholders


def stub_catalog() -> StubCatalog:
    return StubCatalog([
        StubSet("xa-ntm-2016", "commune", "ntm", "2016-2020", _codes(XA_NTM_2016), (19, 49)),
        StubSet("xa-ntm-2021", "commune", "ntm", "2021-2025", _codes(XA_NTM_2021), (19, 57)),
        StubSet("xa-nang-cao-2021", "commune", "nang_cao", "2021-2025", _codes(XA_NANG_CAO_2021), (19, 75)),
        StubSet("xa-kieu-mau-2021", "commune", "kieu_mau", "2021-2025", _codes([1, 1, 1, 1]), (4, None)),
        StubSet("huyen-ntm-2021", "district", "ntm", "2021-2025", _codes([3, 4, 3, 2, 4, 3, 3, 3, 5]), (9, None),
                placeholder_count=4),
        StubSet("huyen-nang-cao-2021", "district", "nang_cao", "2021-2025", _codes(HUYEN_NANG_CAO_2021), (9, None),
                placeholder_count=6),
        StubSet("xa-ntm-2026", "commune", "ntm", "2026-2030", _codes(XA_NTM_2026), (10, 47)),
    ])
