from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ntm.apps.audit"
    label = "audit"
    verbose_name = "Nhật ký thay đổi"

    def ready(self) -> None:
        from . import changelog, signals  # noqa: F401  (log-in, log-out, failed log-in)

        changelog.connect()  # every model that declares ``change_log``
