from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ntm.apps.audit"
    label = "audit"
    verbose_name = "Nhật ký thay đổi"
