"""Record the catalogue in the database: one SetVersion per distinct file content."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from ntm.core.catalog import Catalog, default_catalog

from .models import SetVersion


@transaction.atomic
def sync_catalog(catalog: Catalog | None = None) -> dict:
    """Store each set's current version (its digest); ``changed``: the codes whose version is new."""
    catalog = catalog or default_catalog()
    changed: list[str] = []
    for s in catalog:
        _, was_created = SetVersion.objects.get_or_create(
            code=s.code,
            version=s.digest,
            defaults=dict(
                name=s.name,
                level=s.level,
                tier=s.tier,
                phase=s.phase,
                criteria_count=s.criteria_count,
                indicator_count=s.indicator_count,
                source_path=s.source,
                source_text=Path(s.source).read_text(encoding="utf-8"),
            ),
        )
        if was_created:
            changed.append(s.code)
    return {"sets": len(catalog.sets), "new_versions": len(changed), "changed": changed}
