"""Template helpers for menus: ``{% load ntm_accounts %}{% if user|reviews %}…{% endif %}``.

Menus only hide what a user cannot use; every view still checks ``permissions`` itself."""

from django import template

from ntm.apps.accounts.permissions import ENTRY_ROLES, REVIEW_ROLES, memberships

register = template.Library()


def _roles(user) -> set[str]:
    return {r for _, r in memberships(user)}


@register.filter
def reviews(user) -> bool:
    """Reviewer or administrator somewhere (sees "Chờ duyệt" and "Nhật ký")."""
    return bool(getattr(user, "is_superuser", False)) or bool(_roles(user) & set(REVIEW_ROLES))


@register.filter
def enters(user) -> bool:
    """Entry role or administrator somewhere (sees "Nhập liệu")."""
    return bool(getattr(user, "is_superuser", False)) or bool(_roles(user) & set(ENTRY_ROLES))
