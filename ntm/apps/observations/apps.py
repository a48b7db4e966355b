from django.apps import AppConfig


class ObservationsConfig(AppConfig):
    name = "ntm.apps.observations"
    label = "observations"
    verbose_name = "Số liệu chỉ tiêu"

    def ready(self) -> None:
        from ntm.apps.audit.models import name_values

        from .models import SubmissionState

        name_values("state", SubmissionState.choices)  # a workflow event shows the states by name
