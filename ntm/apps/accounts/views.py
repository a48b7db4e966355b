"""Log-in, log-out and the account page (the user's units and roles)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.views import i18n
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ntm.apps.units.services import path_names

from .forms import LoginForm
from .models import Membership, Role
from .permissions import ENTRY_ROLES, REVIEW_ROLES

ROLE_HELP = {
    Role.ENTRY: "nhập số liệu, gửi duyệt",
    Role.REVIEWER: "thẩm định, phê duyệt hoặc trả lại hồ sơ của cấp dưới, mở lại số liệu đã duyệt",
    Role.LEADER: "xem (không sửa)",
    Role.ADMIN: "quản trị: nhập liệu, thẩm định cấp dưới",
}


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
        row["roles"].append({"label": m.get_role_display(), "help": ROLE_HELP.get(m.role, "")})
    roles = {m.role for m in ms}
    return render(request, "accounts/account.html", {
        "rows": list(by_unit.values()), "can_enter": bool(roles & ENTRY_ROLES) or request.user.is_superuser,
        "can_review": bool(roles & REVIEW_ROLES) or request.user.is_superuser,
    })
