"""The real URLs and error handlers, plus one view that fails (tests of the 500 page)."""

from django.urls import path

from ntm.web.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("secret detail: /srv/ntm/settings.py password=hunter2")


urlpatterns = [*urlpatterns, path("thu-loi/", boom)]
