"""A commune's classification changed (``units.signals.classification_changed``): the stored
results whose thresholds depend on it may change — the commune sets scoped by group when a group
changed, the sets with a ĐBKK/ATK override when that status changed — for the periods with results
or observations of these communes ending on a date whose classification changed. A background
re-evaluation of these sets (and the sets depending on them) is queued, in the transaction of the
write; what was queued is written back into the change for the page that made it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.dispatch import receiver

from ntm.apps.observations.models import Observation
from ntm.apps.units.models import Classification
from ntm.apps.units.signals import ClassificationChanged, classification_changed
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period

from .models import Result, ResultAll
from .tasks import start_reevaluation, with_dependents

Kind = Classification.Kind


def affected(
    units: Iterable[int], intervals: list[tuple[dt.date, dt.date | None]], kinds: set[str] | frozenset[str]
) -> tuple[list[str], list[str]]:
    """(set codes, periods) whose stored results may change: the sets whose thresholds depend on a
    commune group (scope by group) or on ĐBKK/ATK status (a region override), and the periods with
    observations or results of these communes ending inside a changed interval."""
    codes = [
        s.code
        for s in default_catalog()
        if s.level == "commune"
        and (
            (Kind.GROUP in kinds and s.data.scope_kind == "group")
            or (Kind.SPECIAL in kinds and s.data.special_override_region)
        )
    ]
    if not codes:
        return [], []
    ids = list(set(units))
    keys = set()
    for model in (Result, ResultAll):  # both views of the figures (approved, including unapproved data)
        keys |= set(
            model.objects.filter(unit_id__in=ids, set_code__in=codes).values_list("period", flat=True).distinct()
        )
    keys |= set(
        Observation.objects.filter(unit_id__in=ids, set_code__in=codes).values_list("period", flat=True).distinct()
    )
    periods = []
    for k in keys:
        end = Period.parse(k).end
        if any(a <= end and (b is None or end <= b) for a, b in intervals):
            periods.append(k)
    if not periods:
        return [], []
    return with_dependents(codes), sorted(periods)


@receiver(classification_changed, dispatch_uid="ntm_evaluations_classification_changed")
def _classification_changed(sender, change: ClassificationChanged, **kwargs) -> None:
    change.set_codes, change.periods = affected(change.units, change.intervals, change.kinds)
    if change.periods:
        change.run = start_reevaluation(
            change.set_codes,
            change.periods,
            user=change.user if getattr(change.user, "is_authenticated", False) else None,
            reason=change.reason[:200],
            enqueue=change.enqueue,
        )
