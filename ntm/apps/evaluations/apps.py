from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "ntm.apps.evaluations"
    label = "evaluations"
    verbose_name = "Kết quả đánh giá"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from ntm.apps.observations.exchange import ExportKind, provide_export
        from ntm.apps.observations.results import provide
        from ntm.apps.ops import heartbeat
        from ntm.web.cache import changed, vary_pages_on

        # services registers the receiver that keeps roll-ups equal to results; on_facts and on_catalog
        # re-evaluate after a fact saved, a catalogue change published, a classification changed
        from . import dataview, exports, on_catalog, on_facts, on_units, services, subscribers, tasks  # noqa: F401
        from .models import Result, ResultAll
        from .readers import READERS

        def result_written(sender, instance, **kwargs):
            # one result saved or deleted through the ORM: kept pages are patched for its unit and period
            # (the bulk paths that write with SQL call changed() themselves: services.store, batch, tasks)
            changed(
                "results",
                units=(instance.unit_id,),
                periods=(instance.period,),
                added=kwargs.get("created", True),
                using=kwargs.get("using"),
            )

        for model in (Result, ResultAll):
            post_save.connect(
                result_written, sender=model, dispatch_uid=f"ntm-cache-{model.__name__}-saved", weak=False
            )
            post_delete.connect(
                result_written, sender=model, dispatch_uid=f"ntm-cache-{model.__name__}-deleted", weak=False
            )
        subscribers.connect()  # observations announce what they change; the evaluation listens
        # the workers' heartbeats find the runs of a dead worker and mark them failed
        heartbeat.track_runs(heartbeat.Runs(under_way=tasks.under_way, abandon=tasks.abandon_orphan))
        provide(READERS)  # and read the stored results their pages show through these
        provide_export(
            "results",
            ExportKind(exports.select_results, exports.RESULT_COLUMNS, exports.result_rows, exports.suffix),
        )
        # a kept page shows the figures of the data view chosen (approved only, or all)
        vary_pages_on(lambda request: dataview.current().code)
