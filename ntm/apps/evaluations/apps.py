from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "ntm.apps.evaluations"
    label = "evaluations"
    verbose_name = "Kết quả đánh giá"

    def ready(self) -> None:
        # services registers the receiver that keeps roll-ups equal to results; on_facts and on_catalog
        # re-evaluate after a fact saved or a catalogue change published
        from . import freshness, on_catalog, on_facts, services  # noqa: F401

        freshness._connect()
