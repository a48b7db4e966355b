"""Every page needs a log-in, except the log-in page itself (and what is marked ``login_not_required``).

Django's ``LoginRequiredMiddleware`` plus two things: paths under ``settings.NTM_LOGIN_EXEMPT_PREFIXES``
(default: the API, which authenticates and answers 401/403 itself, and static files) pass through, and
an htmx request whose session has expired gets an ``HX-Redirect`` to the log-in page instead of a
log-in form swapped into the middle of the page. Place after AuthenticationMiddleware.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequired
from django.http import HttpResponse
from django.shortcuts import resolve_url

DEFAULT_EXEMPT = ("/api/", "/static/")


class LoginRequiredMiddleware(_DjangoLoginRequired):
    def process_view(self, request, view_func, view_args, view_kwargs):
        prefixes = tuple(getattr(settings, "NTM_LOGIN_EXEMPT_PREFIXES", DEFAULT_EXEMPT))
        if prefixes and request.path_info.startswith(prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(self, request, view_func):
        if request.headers.get("HX-Request") == "true":
            current = request.headers.get("HX-Current-URL") or request.get_full_path()
            parts = urlsplit(current)
            nxt = parts.path + (f"?{parts.query}" if parts.query else "")
            url = (
                resolve_url(self.get_login_url(view_func))
                + "?"
                + urlencode({self.get_redirect_field_name(view_func): nxt})
            )
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return super().handle_no_permission(request, view_func)
