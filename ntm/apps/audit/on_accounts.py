"""Memberships carried to successor units (``accounts.signals.memberships_carried``): one audit
event per membership created or turned read-only, in the transaction of the write."""

from __future__ import annotations

from django.dispatch import receiver

from ntm.apps.accounts.signals import Carrying, memberships_carried

from .models import Action
from .services import log


@receiver(memberships_carried, dispatch_uid="ntm_audit_memberships_carried")
def _memberships_carried(sender, change: Carrying, **kwargs) -> None:
    for c in change.changes:
        log(
            Action.MEMBERSHIP_SUCCESSION,
            user=change.by,
            request=change.request,
            unit=c.unit,
            obj=c.label,
            message=c.message,
            old=c.old,
            new=c.new,
        )
