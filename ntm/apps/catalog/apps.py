from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "ntm.apps.catalog"
    label = "catalog"
    verbose_name = "Bộ tiêu chí"
