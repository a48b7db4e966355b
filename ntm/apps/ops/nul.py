"""NUL characters (code 0) refused in every form field posted to the site, URL-encoded or multipart
(a field's name, its values, an uploaded file's name): no text of the application may hold one, and
some databases, exports and tools cut or choke on it. The request gets a 400 naming the field; the view
never runs. (JSON bodies of the API are checked where their values are validated.)"""

from __future__ import annotations

from django.http import HttpResponseBadRequest

FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type in FORMS:
            field = _field_with_nul(request)
            if field is not None:
                return HttpResponseBadRequest(
                    f"Không nhận yêu cầu: trường '{field}' có ký tự NUL (mã 0).".encode(),
                    content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _field_with_nul(request) -> str | None:
    for key, values in request.POST.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return key.replace("\x00", "\\x00")[:100]
    for key, files in request.FILES.lists():
        if "\x00" in key or any("\x00" in (f.name or "") for f in files):
            return key.replace("\x00", "\\x00")[:100]
    return None
