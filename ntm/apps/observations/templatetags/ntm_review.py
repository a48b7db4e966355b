"""Template helpers for review: ``{% load ntm_review %}``.

- ``{% waiting_count user as n %}`` — sheets submitted and waiting for ``user``'s review (the menu's count);
- ``{% reporting_status unit set period date user as rs %}`` — reporting completeness of the communes of
  ``unit`` (every overview shows it, see :mod:`ntm.apps.observations.completeness`).
"""

from django import template
from django.db.models import Q

from ntm.apps.accounts.permissions import REVIEW_ROLES, memberships

register = template.Library()


def waiting_for(user) -> int:
    """How many sheets wait for ``user``'s review: submitted, under a unit where they review (a
    reviewer never reviews their own level). One query; 0 for anyone who does not review."""
    from ntm.apps.observations.models import Submission, SubmissionState

    if not getattr(user, "is_authenticated", False):
        return 0
    qs = Submission.objects.filter(state=SubmissionState.SUBMITTED)
    if not user.is_superuser:
        paths = sorted({p for p, r in memberships(user) if r in REVIEW_ROLES})
        if not paths:
            return 0
        q = Q()
        for p in paths:
            q |= Q(unit__path__startswith=p) & ~Q(unit__path=p)
        qs = qs.filter(q)
    return qs.count()


@register.simple_tag
def waiting_count(user) -> int:
    return waiting_for(user)


@register.simple_tag
def reporting_status(unit, cs, period, date, user):
    """The completeness of ``unit``'s communes for set ``cs`` and ``period`` (None without a period)."""
    from ntm.apps.observations.completeness import reporting_status as status

    if unit is None or cs is None or period is None:
        return None
    return status(unit, cs.code, period, date, user)
