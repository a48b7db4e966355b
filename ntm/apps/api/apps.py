from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ntm.apps.api"
    label = "api"
    verbose_name = "API"
