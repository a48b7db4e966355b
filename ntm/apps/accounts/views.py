"""Log-in, log-out, the account page (the user's units and roles, their API tokens with a revoke
button) and the password change (which revokes every API token of the user, see ``tokens.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET, require_POST

from ntm.apps.units.services import path_names

from . import tokens
from .forms import LoginForm, PasswordChangeForm
from .models import Membership, Role
from .permissions import ENTRY_ROLES, REVIEW_LEVELS, REVIEW_ROLES

LEVEL_NAMES = {"commune": "xã", "district": "huyện", "province": "tỉnh", "country": "cả nước"}


def role_help(role: str, level: str) -> list[str]:
    """What a role on a unit of ``level`` allows, as phrases (from the permission tables; each phrase
    is in ``i18n_labels.py`` for the English catalogue)."""
    from ntm.apps.plans.permissions import PLAN_LEVELS, PLAN_ROLES, RECOGNITION_LEVELS, RECOGNITION_ROLES

    if role == Role.LEADER:
        return ["chỉ xem, không sửa"]
    out = []
    if role in ENTRY_ROLES:
        out.append("nhập số liệu, gửi duyệt")
    if role in REVIEW_ROLES:
        below = [LEVEL_NAMES[u] for u, levels in REVIEW_LEVELS.items() if level in levels]
        out.append(
            f"phê duyệt, trả lại, mở lại số liệu của cấp {', '.join(below)}"
            if below
            else "không duyệt số liệu của cấp mình"
        )
    if role in PLAN_ROLES and level in PLAN_LEVELS["commune"]:
        out.append("đăng ký kế hoạch đạt chuẩn của các xã")
    if role in RECOGNITION_ROLES and level in RECOGNITION_LEVELS["commune"]:
        out.append("nhập quyết định công nhận xã đạt chuẩn")
    return out


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    next_page = "/"


class LogoutView(auth_views.LogoutView):
    next_page = "login"


@login_not_required
def set_language(request):
    """The language switch of the header (POST ``language`` = vi/en, ``next``); open before log-in
    too, so that the log-in page can be read in English."""
    return i18n.set_language(request)


@require_GET
def account(request):
    ms = list(Membership.objects.filter(user=request.user).select_related("unit").order_by("unit__path", "role"))
    names = path_names([m.unit for m in ms])
    by_unit: dict[int, dict] = {}
    for m in ms:
        row = by_unit.setdefault(m.unit_id, {"unit": m.unit, "path": " › ".join(names[m.unit_id]), "roles": []})
        row["roles"].append({"label": m.get_role_display(), "help": role_help(m.role, m.unit.level)})
    roles = {m.role for m in ms}
    return render(
        request,
        "accounts/account.html",
        {
            "rows": list(by_unit.values()),
            "can_enter": bool(roles & ENTRY_ROLES) or request.user.is_superuser,
            "can_review": bool(roles & REVIEW_ROLES) or request.user.is_superuser,
            "tokens": list(tokens.active(request.user)),
        },
    )


@require_POST
def token_revoke(request):
    """Revoke one of the user's own API tokens (``key``: the first characters the page shows); a key
    that is not one of theirs changes nothing."""
    key = (request.POST.get("key") or "")[:25]
    n = (
        tokens.revoke(tokens.ApiToken.objects.filter(user=request.user, token_key=key), reason="revoked_by_owner")
        if key
        else 0
    )
    if n:
        messages.success(
            request,
            _("Đã thu hồi token API %(start)s…; chương trình nào còn dùng nó sẽ bị từ chối.") % {"start": key[:8]},
        )
    else:
        messages.error(
            request, _("Không tìm thấy token này trong các token của bạn (có thể đã hết hạn hoặc đã bị thu hồi).")
        )
    return redirect("account")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password (the session stays logged in); every API token of the user is revoked."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Đã đổi mật khẩu. Các token API của tài khoản đã bị thu hồi: chương trình dùng API cần lấy token mới."),
        )
        return response
