from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "ntm.apps.evaluations"
    label = "evaluations"
    verbose_name = "Kết quả đánh giá"

    def ready(self) -> None:
        from . import services  # noqa: F401  (registers the receiver that keeps roll-ups equal to results)
