"""Bind the current request to the audit log, and record every 403 that no view recorded itself
(CSRF failures, permission checks in other apps). Place after AuthenticationMiddleware."""

from __future__ import annotations

from .models import Action
from .services import bind_request, log, unbind


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = bind_request(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403 and not getattr(request, "_ntm_denial_logged", False):
                log(
                    Action.ACCESS_DENIED,
                    request=request,
                    obj=request.path,
                    message=f"HTTP 403 {request.method} {request.path}",
                )
                request._ntm_denial_logged = True
        finally:
            unbind(token)
        return response
