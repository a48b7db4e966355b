"""A catalogue change published by ``catalog.services.publish`` queues a re-evaluation run of the
changed sets and the sets that depend on them (when anything is stored for them)."""

from __future__ import annotations

from django.dispatch import receiver

from ntm.apps.catalog.services import catalog_changed

from .tasks import reevaluate_changed_sets


@receiver(catalog_changed, dispatch_uid="ntm_evaluations_catalog_changed")
def _catalog_changed(sender, codes, user=None, **kwargs):
    if not codes:
        return None
    return reevaluate_changed_sets(codes, user=user if getattr(user, "is_authenticated", False) else None)
