"""Log-ins, log-outs and failed log-ins go to the audit log."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import Action
from .services import log


@receiver(user_logged_in, dispatch_uid="ntm_audit_login")
def _logged_in(sender, request, user, **kwargs):
    log(Action.LOGIN, user=user, request=request, obj=user.get_username(), message="Đăng nhập thành công")


@receiver(user_logged_out, dispatch_uid="ntm_audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        log(Action.LOGOUT, user=user, request=request, obj=user.get_username(), message="Đăng xuất")


@receiver(user_login_failed, dispatch_uid="ntm_audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    name = str((credentials or {}).get("username", ""))[:150]
    log(Action.LOGIN_FAILED, username=name, request=request, obj=name, message=f"Đăng nhập thất bại với tên «{name}»")
