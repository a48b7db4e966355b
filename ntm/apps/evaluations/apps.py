from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "ntm.apps.evaluations"
    label = "evaluations"
    verbose_name = "Kết quả đánh giá"

    def ready(self) -> None:
        from . import freshness, services  # noqa: F401  (services registers the receiver that keeps roll-ups equal to results)

        freshness._connect()
