"""Who may register a commune's plan and who may record its recognition decision, by the competences
of the levels (built on ``ntm.apps.accounts.permissions``; the table is in docs/security.md §3).

- A plan (xã đăng ký đạt chuẩn): the commune registers with the district, which puts it in the plan;
  the province follows it. Recorded by an office of the commune's district or province (role entry,
  reviewer or admin there), never by the commune itself, the national level, or a leader (view only).
- A recognition decision (quyết định công nhận đạt chuẩn) of a xã: the chairman of the provincial
  People's Committee decides (QĐ 18/2022/QĐ-TTg, as reported). Recorded, changed or deleted only by the
  province's office: role reviewer (the appraising office) or admin on the commune's province. The
  district verifies but does not decide; the national level decides districts and provinces, which
  this system does not record.
"""

from __future__ import annotations

from ntm.apps.accounts.models import Role
from ntm.apps.accounts.permissions import REVIEW_ROLES, WRITE_ROLES, competent, competent_under

PLAN_LEVELS = {"commune": frozenset({"district", "province"})}
RECOGNITION_LEVELS = {"commune": frozenset({"province"})}
RECOGNITION_ROLES = set(REVIEW_ROLES)
PLAN_ROLES = set(WRITE_ROLES)
assert Role.LEADER not in PLAN_ROLES | RECOGNITION_ROLES  # a leader only reads


def can_plan(user, unit) -> bool:
    return competent(user, unit, PLAN_ROLES, PLAN_LEVELS)


def can_recognise(user, unit) -> bool:
    """Who may record, change or delete a recognition decision of a xã (see the module's text)."""
    return competent(user, unit, RECOGNITION_ROLES, RECOGNITION_LEVELS)


def can_plan_under(user, unit) -> bool:
    """May the user register plans for some commune under ``unit``?"""
    return competent_under(user, unit, PLAN_ROLES, PLAN_LEVELS)


def can_recognise_under(user, unit) -> bool:
    """May the user record recognition decisions for some commune under ``unit``?"""
    return competent_under(user, unit, RECOGNITION_ROLES, RECOGNITION_LEVELS)
