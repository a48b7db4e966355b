"""/api/v1/: the browsable API root, the OpenAPI 3 schema (/api/v1/schema/) and the endpoints.

No Swagger UI/Redoc: they load JavaScript from a CDN unless drf-spectacular-sidecar is installed, which
it is not; the schema (YAML or ?format=json) plus DRF's browsable pages serve as documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("units", views.UnitViewSet, basename="api-unit")
router.register("catalog/sets", views.CriteriaSetViewSet, basename="api-set")
router.register("observations", views.ObservationViewSet, basename="api-observation")
router.register("results", views.ResultViewSet, basename="api-result")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/catalog/sets/<str:code>/indicators/", views.IndicatorListView.as_view(), name="api-set-indicators"),
    path("v1/rollups/", views.RollupView.as_view(), name="api-rollup"),
    path("v1/reports/bulletin/", views.BulletinView.as_view(), name="api-bulletin"),
    path("v1/reports/dossier/", views.DossierView.as_view(), name="api-dossier"),
    path("v1/claims/", views.ClaimsView.as_view(), name="api-claims"),
    path("v1/token/", obtain_auth_token, name="api-token"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
