"""The prerequisite graph between criteria sets: what is evaluated first, what a change re-evaluates.

Run without Django: ``.venv/bin/pytest tests/core -q -p no:django``.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ntm.core.catalog import load_catalog
from ntm.core.catalog.prerequisites import dependents, depth, direct, in_order, with_dependents


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def _set(code, *pre, recognition=()):
    conds = [SimpleNamespace(type="prerequisite", set=p, recognition_only=False) for p in pre]
    conds += [SimpleNamespace(type="prerequisite", set=p, recognition_only=True) for p in recognition]
    conds.append(SimpleNamespace(type="fact_true", set=None, recognition_only=False))
    return SimpleNamespace(code=code, conditions=conds)


class _Cat:
    def __init__(self, *sets):
        self.sets = {s.code: s for s in sets}

    def get(self, code):
        return self.sets[code]

    def __contains__(self, code):
        return code in self.sets

    def __iter__(self):
        return iter(self.sets.values())


def test_shipped_chains(cat):
    assert direct(cat.get("xa-kieu-mau-2021")) == {"xa-nang-cao-2021"}
    assert direct(cat.get("xa-ntm-2021")) == frozenset()
    assert [depth(c, cat) for c in ("xa-ntm-2021", "xa-nang-cao-2021", "xa-kieu-mau-2021")] == [0, 1, 2]
    assert dependents("xa-ntm-2021", cat) == ["xa-nang-cao-2021", "xa-kieu-mau-2021"]
    assert dependents("huyen-ntm-2021", cat) == ["huyen-nang-cao-2021"]
    assert dependents("xa-kieu-mau-2021", cat) == []


def test_prerequisites_come_first(cat):
    assert in_order(["xa-kieu-mau-2021", "xa-ntm-2021", "xa-nang-cao-2021"], cat) == [
        "xa-ntm-2021",
        "xa-nang-cao-2021",
        "xa-kieu-mau-2021",
    ]


def test_with_dependents_in_catalogue_order(cat):
    got = with_dependents(["xa-nang-cao-2021", "huyen-ntm-2021"], cat)
    assert set(got) == {"xa-nang-cao-2021", "xa-kieu-mau-2021", "huyen-ntm-2021", "huyen-nang-cao-2021"}
    assert got == [s.code for s in cat if s.code in set(got)]


def test_recognition_only_prerequisites_are_not_part_of_the_standard():
    s = _set("b", "a", recognition=("c",))
    assert direct(s) == {"a", "c"}
    assert direct(s, standard_only=True) == {"a"}


def test_depth_is_the_longest_chain_and_survives_a_cycle():
    c = _Cat(_set("a"), _set("b", "a"), _set("c", "a", "b"), _set("x", "y"), _set("y", "x"))
    assert depth("c", c) == 2  # through b, not the direct a
    assert depth("x", c) == 1  # the cycle x → y → x is cut
    assert dependents("a", c) == ["b", "c"]
    assert dependents("x", c) == ["y"]


def test_unknown_prerequisite_is_a_leaf():
    c = _Cat(_set("a", "gone"))
    assert depth("a", c) == 1
    assert in_order(["a"], c) == ["a"]
