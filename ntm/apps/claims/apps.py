from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "ntm.apps.claims"
    label = "claims"
    verbose_name = "Kiểm tra báo cáo"
