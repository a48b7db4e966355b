"""/api/v1/: the browsable API root, the OpenAPI 3 schema (/api/v1/schema/), the token endpoint, and the
endpoints of each app (serializers and views live in ``ntm/apps/<app>/api.py``; shared authentication,
pagination and parameters in ``base.py``).

No Swagger UI/Redoc: they load JavaScript from a CDN unless drf-spectacular-sidecar is installed, which
it is not; the schema (YAML or ?format=json) plus DRF's browsable pages serve as documentation."""

from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from ntm.apps.accounts import api as accounts
from ntm.apps.catalog import api as catalog
from ntm.apps.claims import api as claims
from ntm.apps.evaluations import api as evaluations
from ntm.apps.observations import api as observations
from ntm.apps.plans import api as plans
from ntm.apps.reports import api as reports
from ntm.apps.units import api as units

from . import schema  # noqa: F401 — registers the token scheme with drf-spectacular


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    raise NotFound("không có địa chỉ API này (xem /api/v1/schema/)")


router = DefaultRouter()
router.include_format_suffixes = False  # "units.json" crashed the ViewSets (500); ?format=json is the way
router.register("units", units.UnitViewSet, basename="api-unit")
router.register("catalog/sets", catalog.CriteriaSetViewSet, basename="api-set")
router.register("observations", observations.ObservationViewSet, basename="api-observation")
router.register("results", evaluations.ResultViewSet, basename="api-result")
router.register("recognitions", plans.RecognitionViewSet, basename="api-recognition")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/catalog/sets/<str:code>/indicators/", catalog.IndicatorListView.as_view(), name="api-set-indicators"),
    path("v1/rollups/", evaluations.RollupView.as_view(), name="api-rollup"),
    path("v1/reports/bulletin/", reports.BulletinView.as_view(), name="api-bulletin"),
    path("v1/reports/dossier/", reports.DossierView.as_view(), name="api-dossier"),
    path("v1/claims/", claims.ClaimsView.as_view(), name="api-claims"),
    path("v1/token/", accounts.ObtainTokenView.as_view(), name="api-token"),
    path("v1/token/logout/", accounts.RevokeTokenView.as_view(), name="api-token-logout"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # anything else under /api/ (with its final slash: without, Django first adds it) is a JSON 404
    re_path(r"^.*/$", not_found, name="api-not-found"),
]
