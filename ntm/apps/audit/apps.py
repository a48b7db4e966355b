from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ntm.apps.audit"
    label = "audit"
    verbose_name = "Nhật ký thay đổi"

    def ready(self) -> None:
        # signals: log-in, log-out, failed log-in; on_units: a commune's classification written;
        # on_accounts: memberships carried to successor units
        from . import changelog, on_accounts, on_units, signals  # noqa: F401

        changelog.connect()  # every model that declares ``change_log``
