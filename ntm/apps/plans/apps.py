from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "ntm.apps.plans"
    label = "plans"
    verbose_name = "Kế hoạch"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from ntm.web.cache import changed

        from .models import PlanTarget

        def plan_written(sender, **kwargs):
            changed("plans", using=kwargs.get("using"))  # pages that show plans are built again

        post_save.connect(plan_written, sender=PlanTarget, dispatch_uid="ntm-cache-plan-saved", weak=False)
        post_delete.connect(plan_written, sender=PlanTarget, dispatch_uid="ntm-cache-plan-deleted", weak=False)
