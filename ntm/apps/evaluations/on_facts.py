"""A fact saved (``observations.facts.fact_saved``) changes the stored results that read it: the
unit's sets with a condition on that fact, and its parent's sets that count the share of communes
with it. Each result already stored for the period is evaluated again, in both views of the
figures, in the transaction of the write (as a value saved through the form is); a set without a
stored result for the unit and period is left to be evaluated when its values come."""

from __future__ import annotations

from django.dispatch import receiver

from ntm.apps.observations.facts import fact_saved
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period

from .dataview import ALL, APPROVED
from .models import Result, ResultAll
from .services import evaluate_unit


def _reading(level: str, name: str, *, share: bool) -> list[str]:
    """Codes of the sets of ``level`` with a condition on fact ``name`` (``share``: a children_share
    condition, else fact_min/fact_true), prerequisites first (catalogue order)."""
    types = ("children_share",) if share else ("fact_min", "fact_true")
    return [
        s.code
        for s in default_catalog()
        if s.level == level and any(c.type in types and c.fact == name for c in s.conditions)
    ]


def reevaluate_for_fact(unit, name: str, period: str) -> int:
    """Evaluate again the stored results that read fact ``name`` of ``unit`` for ``period``;
    returns how many (unit, set, view) were evaluated."""
    key = Period.parse(period).key
    targets = [(unit, code) for code in _reading(unit.level, name, share=False)]
    if unit.parent_id is not None:
        parent = unit.parent
        targets += [(parent, code) for code in _reading(parent.level, name, share=True)]
    done = 0
    for target, code in targets:
        for view, model in ((ALL, ResultAll), (APPROVED, Result)):
            if model.objects.filter(unit=target, set_code=code, period=key).exists():
                evaluate_unit(target, code, key, view=view)
                done += 1
    return done


@receiver(fact_saved, dispatch_uid="ntm_evaluations_fact_saved")
def _fact_saved(sender, fact, **kwargs):
    reevaluate_for_fact(fact.unit, fact.name, fact.period)
