"""A commune's classification written (``units.signals.classification_changed``): one audit event
per classification row created, changed (old → new) or deleted, in the transaction of the write.
The rows themselves and the units' mirror are also in the change log by construction
(:mod:`.changelog`)."""

from __future__ import annotations

from django.dispatch import receiver

from ntm.apps.units.signals import ClassificationChanged, classification_changed

from .models import Action
from .services import log


@receiver(classification_changed, dispatch_uid="ntm_audit_classification_changed")
def _classification_changed(sender, change: ClassificationChanged, **kwargs) -> None:
    for row in change.rows:
        log(
            Action.CLASSIFICATION_DELETED if row.new is None else Action.CLASSIFICATION_SAVED,
            user=change.user,
            request=change.request,
            unit=row.unit,
            obj=row.label,
            message=row.message[:500],
            old=row.old,
            new=row.new,
        )
