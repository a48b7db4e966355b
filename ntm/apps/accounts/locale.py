"""The interface language: Vietnamese unless the user chose English with the switch in the header.

Django's ``LocaleMiddleware`` would follow the browser's ``Accept-Language`` and show English to an
office whose computers run an English Windows; here only the user's own choice (the language cookie
set by ``set_language``) changes the language, so Vietnamese stays the default everywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


def chosen_language(request) -> str:
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activates the chosen language for the request (place after SessionMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Cookie",))
        return response
