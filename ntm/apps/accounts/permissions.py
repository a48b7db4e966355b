"""The single place that decides what a user may see and do, by unit subtree, role and level.

- view: any role on the unit or an ancestor (leaders read only: the leader role grants no write);
- enter data: role ``entry`` (or ``admin``) on the unit or an ancestor;
- review (approve / return / reopen a submission): role ``reviewer`` (or ``admin``) on a STRICT
  ancestor whose level is competent for the unit's level (:data:`REVIEW_LEVELS`) — never the unit
  itself, and never a level the law gives no part in that unit's assessment;
- administer: role ``admin`` on the unit or an ancestor; Django superusers may do everything.

Plans and recognition decisions (``ntm.apps.plans.permissions``) use :func:`competent` with their own
tables. The competences follow the recognition procedure as our sources give it
(``docs/security.md`` §3 cites them); where the sources are silent the stricter rule is kept.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ntm.apps.units.models import Level
from ntm.apps.units.services import successors

from .models import Membership, Role

VIEW_ROLES = {Role.ENTRY, Role.REVIEWER, Role.LEADER, Role.ADMIN}
ENTRY_ROLES = {Role.ENTRY, Role.ADMIN}
REVIEW_ROLES = {Role.REVIEWER, Role.ADMIN}
WRITE_ROLES = {Role.ENTRY, Role.REVIEWER, Role.ADMIN}  # every role but the leader's

# The level of a unit → the levels whose offices take part in checking its figures (QĐ 18/2022/QĐ-TTg
# and the earlier TT 40/2014 sequence, as reported): a commune's dossier is verified by the district
# (thẩm tra) and appraised by the province (thẩm định); a district's is verified by the province and
# appraised by the ministry (the national level); a province's is appraised nationally. After the 2025
# reform there is no district: a commune's figures are reviewed by its province.
REVIEW_LEVELS: dict[str, frozenset[str]] = {
    "commune": frozenset({"district", "province"}),
    "district": frozenset({"province", "country"}),
    "province": frozenset({"country"}),
}


def _grants(user) -> list[tuple[str, str, str]]:
    """(unit path, role, unit level) of every membership, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cache = getattr(user, "_ntm_grants", None)
    if cache is None:
        cache = list(Membership.objects.filter(user_id=user.pk).values_list("unit__path", "role", "unit__level"))
        user._ntm_grants = cache
    return cache


def memberships(user) -> list[tuple[str, str]]:
    """(unit path, role) pairs."""
    return [(p, r) for p, r, _ in _grants(user)]


def competent(user, unit, roles: set, levels: dict[str, frozenset[str]]) -> bool:
    """Whether ``user`` holds one of ``roles`` on a strict ancestor of ``unit`` whose level is one of
    ``levels[unit.level]`` (a unit level missing from ``levels``: nobody but a superuser)."""
    if getattr(user, "is_superuser", False):
        return True
    allowed = levels.get(getattr(unit, "level", None), frozenset())
    return any(
        r in roles and lvl in allowed and unit.path.startswith(p) and unit.path != p for p, r, lvl in _grants(user)
    )


def _covers(paths: list[str], unit_path: str, *, strict: bool = False) -> bool:
    return any(unit_path.startswith(p) and (not strict or unit_path != p) for p in paths)


def _paths(user, roles: set) -> list[str]:
    return [p for p, r in memberships(user) if r in roles]


def can_view(user, unit) -> bool:
    return bool(getattr(user, "is_superuser", False)) or _covers(_paths(user, VIEW_ROLES), unit.path)


def can_enter(user, unit) -> bool:
    return bool(getattr(user, "is_superuser", False)) or _covers(_paths(user, ENTRY_ROLES), unit.path)


def can_review(user, unit) -> bool:
    return competent(user, unit, REVIEW_ROLES, REVIEW_LEVELS)


def competent_under(user, unit, roles: set, levels: dict[str, frozenset[str]]) -> bool:
    """Whether ``user`` is competent (:func:`competent`) for some commune under ``unit``, or for ``unit``
    itself when it is a commune: a role of ``roles`` at a level of ``levels["commune"]`` on the unit or
    above it (a province office for its whole province)."""
    if getattr(user, "is_superuser", False):
        return True
    if getattr(unit, "level", None) == "commune":
        return competent(user, unit, roles, levels)
    offices = levels.get("commune", frozenset())
    return any(r in roles and lvl in offices and unit.path.startswith(p) for p, r, lvl in _grants(user))


def can_review_under(user, unit) -> bool:
    """Reviewer competent for the communes under ``unit``, or administrator of it."""
    return can_admin(user, unit) or competent_under(user, unit, REVIEW_ROLES, REVIEW_LEVELS)


def can_admin(user, unit) -> bool:
    return bool(getattr(user, "is_superuser", False)) or _covers(_paths(user, {Role.ADMIN}), unit.path)


def can_carry(user, unit) -> bool:
    """Administrators of a dissolved unit (or above) carry its memberships to its successors."""
    return unit.valid_to is not None and can_admin(user, unit)


def viewer_key(user) -> tuple:
    """What decides which units ``user`` may see, as a key for pages kept between requests: users
    with the same key see the same things."""
    if getattr(user, "is_superuser", False):
        return ("superuser",)
    return tuple(sorted(set(_paths(user, VIEW_ROLES))))


def roles_key(user) -> tuple:
    """Every (unit path, role) of ``user``, as a key: a page kept for a user is rebuilt once their
    roles change (the menu and what they may see depend on them)."""
    return tuple(sorted(memberships(user)))


def visible_q(user, field: str = "unit") -> Q:
    """A filter for any queryset with a unit foreign key (``field``), or for Unit itself (``field=''``)."""
    if getattr(user, "is_superuser", False):
        return Q()
    prefix = f"{field}__path__startswith" if field else "path__startswith"
    paths = _paths(user, VIEW_ROLES)
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= Q(**{prefix: p})
    return q


def scope(qs: QuerySet, user, field: str = "unit") -> QuerySet:
    return qs.filter(visible_q(user, field))


def home_units(user):
    """The units a user is bound to (the roots of what they see)."""
    from ntm.apps.units.models import Unit

    if getattr(user, "is_superuser", False):
        return Unit.objects.filter(uid="vn")
    return Unit.objects.filter(memberships__user=user).distinct().order_by("path")


def sees_history(user, unit) -> bool:
    """May ``user`` read the page of ``unit``, a unit of before 1 July 2025, through what it became?
    A commune's figures belong to the history of today's commune it merged into: a user who may see
    one of its successors reads its page (read only; its subtree and the old map need a membership
    on the old units, see :mod:`ntm.apps.accounts.succession`)."""
    if unit.valid_to is None or unit.level != Level.COMMUNE:
        return False
    return any(can_view(user, s) for s in successors(unit))
