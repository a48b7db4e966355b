"""REST API of the accounts: ``POST /api/v1/token/`` (user name and password → a new token) and
``POST /api/v1/token/logout/`` (revokes the token that authenticates the request). Tokens: see
``tokens.py``."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ntm.apps.api.base import ErrorSerializer

from . import tokens


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text="user name (tên đăng nhập)")
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        user = authenticate(self.context["request"], username=attrs["username"], password=attrs["password"])
        if user is None:  # also an inactive account
            raise serializers.ValidationError("Tên đăng nhập hoặc mật khẩu không đúng.", code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="send as `Authorization: Token <token>`; shown only this once")
    expiry = serializers.DateTimeField(allow_null=True, help_text="the token is refused after this time")


class ObtainTokenView(APIView):
    # public, like the log-in page; the log-in throttle counts its failures (ntm.apps.ops.throttle)
    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = CredentialsSerializer

    @extend_schema(
        request=CredentialsSerializer,
        responses={200: TokenSerializer, 400: OpenApiTypes.OBJECT, 403: ErrorSerializer},
        summary="A new API token for a user name and password (expires; revocable on the account page)",
    )
    def post(self, request):
        ser = CredentialsSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        user = ser.validated_data["user"]
        try:
            row, text = tokens.issue(user, name="API (tên đăng nhập và mật khẩu)")
        except tokens.TooManyTokens as exc:
            raise PermissionDenied(
                f"Tài khoản đã có {exc.args[0]} token còn hạn: hãy thu hồi token không dùng nữa trên trang Tài khoản."
            ) from None
        return Response(TokenSerializer({"token": text, "expiry": row.expiry}).data)


class RevokeTokenView(APIView):
    # only the token itself may end it: a session or another token gets 401/403
    authentication_classes = [tokens.TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None, 401: ErrorSerializer},
        summary="Revoke the token that authenticates this request",
    )
    def post(self, request):
        tokens.revoke(tokens.ApiToken.objects.filter(digest=request.auth.digest), reason="logout")
        return Response(status=status.HTTP_204_NO_CONTENT)
