from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "ntm.apps.units"
    label = "units"
    verbose_name = "Đơn vị hành chính"
