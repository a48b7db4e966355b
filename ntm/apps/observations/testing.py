"""For tests: observations written straight to the tables, as the data of a scenario (no checks, no
signals, no audit — what the services do is tested through the services)."""

from __future__ import annotations

from .models import CELL_COLUMNS, Observation, ObservationVersion


def save_version(*, current: bool = True, is_approved: bool = False, **fields) -> Observation | ObservationVersion:
    """Append a version to the history and, unless ``current`` is false (an earlier version), make it the
    current value of its cell. Returns the current row, or the version when it is not current."""
    version = ObservationVersion.objects.create(is_approved=is_approved, **fields)
    if not current:
        return version
    row = Observation.of(version)
    cell = {c: getattr(version, c) for c in CELL_COLUMNS}
    row.pk = Observation.objects.filter(**cell).values_list("pk", flat=True).first()
    row.save()
    return row
