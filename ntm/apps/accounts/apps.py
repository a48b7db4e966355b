from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ntm.apps.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền"

    def ready(self) -> None:
        from . import tokens

        tokens.connect()  # API tokens are revoked when the password changes and on API log-out
