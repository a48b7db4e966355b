from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "ntm.apps.units"
    label = "units"
    verbose_name = "Đơn vị hành chính"

    def ready(self) -> None:
        from ntm.web.cache import changed

        from .services import units_changed

        def units_loaded(sender, **kwargs):
            changed("units")  # pages computed over the hierarchy are built again

        units_changed.connect(units_loaded, dispatch_uid="ntm-cache-units", weak=False)
