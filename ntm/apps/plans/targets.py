"""Read the programme targets shipped in ``ntm/data/targets.yaml`` and load them into the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import yaml

TARGETS_FILE = Path(__file__).resolve().parents[2] / "data" / "targets.yaml"
REGION_KEYS = ("TDMNPB", "DBSH", "BTB", "DHNTB", "TN", "DNB", "DBSCL")


def read_targets(path: Path | str = TARGETS_FILE) -> list[dict]:
    """One dict per (level, tier, year, region) with the fields of ``ProgrammeTarget``; checked."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    decision = data["decision"]
    prov = data["provenance"]
    number = str(decision["number"])
    date = decision.get("date")
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    slug = "".join(ch if ch.isalnum() else "-" for ch in number.lower().replace("đ", "d")).strip("-")
    out = []
    for t in data["targets"]:
        if t["level"] not in ("commune", "district"):
            raise ValueError(f"{path}: level {t['level']!r} must be commune or district")
        for key, share in t["shares"].items():
            if key != "national" and key not in REGION_KEYS:
                raise ValueError(f"{path}: unknown region {key!r}")
            share = Decimal(str(share))
            if not 0 <= share <= 100:
                raise ValueError(f"{path}: share {share} outside 0–100")
            region = "" if key == "national" else key
            out.append({
                "code": f"{slug}-{t['year']}-{t['level']}-{t['tier']}-{key}",
                "decision": number, "decision_date": date, "year": int(t["year"]), "level": t["level"],
                "tier": t["tier"], "region": region, "min_share": share,
                "source": prov["source"], "tag": prov["tag"], "note": " ".join(str(prov.get("note", "")).split()),
            })
    return out


def load_programme_targets(model=None, path: Path | str = TARGETS_FILE) -> dict[str, int]:
    """Create or update every target of the file (idempotent); ``model`` lets a migration pass its
    historical model."""
    if model is None:
        from .models import ProgrammeTarget as model  # noqa: N813
    created = updated = 0
    for row in read_targets(path):
        obj, made = model.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})
        created += made
        updated += not made
    return {"created": created, "updated": updated}
