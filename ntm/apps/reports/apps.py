from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ntm.apps.reports"
    label = "reports"
    verbose_name = "Báo cáo"
