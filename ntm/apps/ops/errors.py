"""The pages a user sees when something goes wrong (DEBUG off): 400, 403, 404 and 500, in the user's language
(Vietnamese first), and JSON under ``/api/``. Wired in ``ntm.web.urls`` (``handler400/403/404/500``).

The 403 and 404 pages extend the base layout (menu, log-in state). The 500 page does not: it is
rendered without a request context, so that it needs neither the database nor the session — the
cause of the error may be either of them.
"""

from __future__ import annotations

from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

API_PREFIX = "/api/"


def _api(request) -> bool:
    return request.path.startswith(API_PREFIX)


@requires_csrf_token
def bad_request(request, exception):
    """A request Django itself refuses (a malformed multipart body, too many fields…): JSON under /api/."""
    if _api(request):
        return JsonResponse(
            {"detail": "Yêu cầu không hợp lệ. / Bad request."}, status=400, json_dumps_params={"ensure_ascii": False}
        )
    return defaults.bad_request(request, exception)


@requires_csrf_token
def page_not_found(request, exception):
    if _api(request):
        return JsonResponse(
            {"detail": "Không tìm thấy. / Not found."}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def permission_denied(request, exception):
    if _api(request):
        return JsonResponse(
            {"detail": "Không có quyền. / Permission denied."}, status=403, json_dumps_params={"ensure_ascii": False}
        )
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def server_error(request):
    if _api(request):
        return JsonResponse(
            {"detail": "Lỗi máy chủ; yêu cầu chưa được thực hiện. / Server error; the request was not carried out."},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    try:
        body = loader.get_template("500.html").render()  # no context: no context processor, no database
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        body = "<h1>Lỗi máy chủ (500) / Server error (500)</h1>"
    return HttpResponseServerError(body)
