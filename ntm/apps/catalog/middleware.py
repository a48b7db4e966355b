"""Each web worker picks up a catalogue changed by another process, without a restart (see
:func:`ntm.apps.catalog.services.ensure_current`: the few bytes of a marker file per request, a query
only after it changed)."""

from __future__ import annotations

from .services import ensure_current, note_start


class CatalogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        note_start()  # once per process, before the catalogue is loaded (ntm.web.wsgi warms it after)

    def __call__(self, request):
        ensure_current()
        return self.get_response(request)
