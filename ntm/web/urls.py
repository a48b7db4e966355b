from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("bo-tieu-chi/", include("ntm.apps.catalog.urls")),
    path("tai-khoan/", include("ntm.apps.accounts.urls")),
    path("nhap-lieu/", include("ntm.apps.observations.urls")),
    path("nhat-ky/", include("ntm.apps.audit.urls")),
    path("don-vi/", include("ntm.apps.units.urls")),
    path("ke-hoach/", include("ntm.apps.plans.urls")),
    path("bao-cao/", include("ntm.apps.reports.urls")),
    path("kiem-tra-bao-cao/", include("ntm.apps.claims.urls")),
    path("api/", include("ntm.apps.api.urls")),
    path("", include("ntm.apps.ops.urls")),  # /healthz
    path("", include("ntm.apps.evaluations.urls")),
]

# what users see when something goes wrong with DEBUG off (ntm.apps.ops.errors)
handler400 = "ntm.apps.ops.errors.bad_request"
handler403 = "ntm.apps.ops.errors.permission_denied"
handler404 = "ntm.apps.ops.errors.page_not_found"
handler500 = "ntm.apps.ops.errors.server_error"
