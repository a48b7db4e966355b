"""What every endpoint of the REST API shares: authentication (token or session), the login requirement,
pagination, the JSON parser (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``), the common query parameters
(unit, set, period, standard) and their parsing.

Scoping itself is ``ntm.apps.accounts.permissions`` (the same rule as the pages); each app's ``api.py``
applies it to its own querysets."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import parsers, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated

from ntm.apps.accounts.permissions import can_view
from ntm.apps.accounts.tokens import TokenAuthentication
from ntm.apps.units.models import Unit
from ntm.core.catalog import default_catalog
from ntm.core.periods import Period

P_UNIT = OpenApiParameter(
    "unit", str, description="uid of a unit: the unit and everything below it (xa:13570@2024, huyen:353@2024, vn)"
)
P_SET = OpenApiParameter("set", str, description="criteria-set code, e.g. xa-ntm-2021")
P_PERIOD = OpenApiParameter("period", str, description="YYYY-MM, YYYY-Qn or YYYY")
P_STANDARD = OpenApiParameter(
    "standard", bool, description="only results that reach (true) / do not reach (false) the standard"
)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested too deep for Python's decoder (400, not an error)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON lồng nhau quá sâu.") from None


class Pagination(PageNumberPagination):
    """``?page=N``, 100 items a page; ``count``, ``next``, ``previous``, ``results``."""

    page_size = 100


class Scoped:
    # Mixed into every API view: token or session authentication, login required, paginated lists.
    # (A comment, not a docstring: drf-spectacular would put a docstring into every operation's description.)
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


def unit_param(request, *, required: bool = False) -> Unit | None:
    """The ``unit`` query parameter: a unit the caller may see (404 unknown, 403 outside their units)."""
    ref = request.query_params.get("unit")
    if not ref:
        if required:
            raise ValidationError({"unit": "bắt buộc (uid của đơn vị)"})
        return None
    unit = Unit.objects.filter(uid=ref).first()
    if unit is None:
        raise NotFound(f"không có đơn vị '{ref}'")
    if not can_view(request.user, unit):
        raise PermissionDenied("không có quyền xem đơn vị này")
    return unit


def period_param(request, *, required: bool = False) -> str | None:
    raw = request.query_params.get("period")
    if not raw:
        if required:
            raise ValidationError({"period": "bắt buộc (YYYY-MM)"})
        return None
    try:
        return Period.parse(raw).key
    except ValueError as exc:
        raise ValidationError({"period": str(exc)}) from None


def set_param(request, *, required: bool = False) -> str | None:
    code = request.query_params.get("set")
    if not code:
        if required:
            raise ValidationError({"set": "bắt buộc (mã bộ tiêu chí)"})
        return None
    if code not in default_catalog():
        raise NotFound(f"không có bộ tiêu chí '{code}'")
    return code
