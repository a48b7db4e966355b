from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("bo-tieu-chi/", include("ntm.apps.catalog.urls")),
    path("", include("ntm.apps.evaluations.urls")),
]
