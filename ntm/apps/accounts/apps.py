from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ntm.apps.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"

    def ready(self) -> None:
        from . import tokens

        tokens.connect()  # API tokens are revoked when the password changes and on API log-out

        from ntm.web.cache import vary_pages_on

        from .permissions import roles_key

        vary_pages_on(lambda request: roles_key(request.user))  # a kept page is the user's roles' view
