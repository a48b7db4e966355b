"""Who may do what, where: each user is bound to one or more units with a role.

A membership on a unit covers the unit's whole subtree (a province reviewer sees every commune of
the province). Scoping is enforced in services (see ``permissions.py``), so every page, export and
API call applies the same rule.
"""

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken


class Role(models.TextChoices):
    ENTRY = "entry", "Nhập liệu"
    REVIEWER = "reviewer", "Thẩm định"
    LEADER = "leader", "Lãnh đạo (chỉ xem)"
    ADMIN = "admin", "Quản trị"


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name="người dùng"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="memberships", verbose_name="đơn vị")
    role = models.CharField("vai trò", max_length=16, choices=Role.choices)

    # one ObjectChange per create/save/delete (ntm.apps.audit.changelog)
    change_log = {"unit": "unit"}

    class Meta:
        verbose_name = "phân quyền"
        verbose_name_plural = "phân quyền"
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"


class ApiToken(AbstractAuthToken):
    """An API token (``Authorization: Token <token>``), django-rest-knox's model with what the account
    page shows: the token is kept only as a SHA-512 digest (``digest``) and its first 15 characters
    (``token_key``, to find the row); it expires (``expiry``), records when it was last used (to the
    minute) and is revoked by deleting the row: by its owner on the account page, by ``POST
    /api/v1/token/logout/``, and all of a user's tokens when the password changes (see ``tokens.py``)."""

    name = models.CharField("tên", max_length=100, blank=True, help_text="vd. API (đăng nhập bằng mật khẩu)")
    last_used = models.DateTimeField("lần dùng gần nhất", null=True, blank=True)

    class Meta:
        verbose_name = "token API"
        verbose_name_plural = "token API"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user} — {self.token_key[:8]}…"
