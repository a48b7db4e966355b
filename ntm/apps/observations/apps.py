from django.apps import AppConfig


class ObservationsConfig(AppConfig):
    name = "ntm.apps.observations"
    label = "observations"
    verbose_name = "Số liệu chỉ tiêu"
