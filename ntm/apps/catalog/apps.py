from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "ntm.apps.catalog"
    label = "catalog"
    verbose_name = "Bộ tiêu chí"

    def ready(self) -> None:
        from django_tasks.signals import task_started

        from .services import ensure_current

        def _before_task(sender, **kwargs):  # the task worker evaluates with the current catalogue
            ensure_current(force=True)

        task_started.connect(_before_task, dispatch_uid="ntm_catalog_before_task", weak=False)
