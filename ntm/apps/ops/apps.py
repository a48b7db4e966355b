from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations and hardening: health endpoint, security headers, request limits, log-in
    throttling, JSON logs, backup and restore (see docs/security.md)."""

    name = "ntm.apps.ops"
    label = "ops"
    verbose_name = "Vận hành và bảo mật"

    def ready(self) -> None:
        from . import throttle

        throttle.connect_signals()
