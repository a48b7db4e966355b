from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "ntm.apps.evaluations"
    label = "evaluations"
    verbose_name = "Kết quả đánh giá"
