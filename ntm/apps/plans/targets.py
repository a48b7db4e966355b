"""Read the programme targets shipped in ``ntm/data/targets.yaml`` and load them into the database.

The file lists programmes (QĐ 263/QĐ-TTg for 2025, QĐ 417/QĐ-BNNMT for 2030), each with its decision,
its provenance and its targets: a share of the communes (or districts) at a standard, nationally and by
region, or a number of units (``count``: "5 tỉnh hoàn thành nhiệm vụ")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import yaml

TARGETS_FILE = Path(__file__).resolve().parents[2] / "data" / "targets.yaml"
REGION_KEYS = ("TDMNPB", "DBSH", "BTB", "DHNTB", "TN", "DNB", "DBSCL")
LEVELS = ("commune", "district", "province")


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower().replace("đ", "d")).strip("-")


def read_targets(path: Path | str = TARGETS_FILE) -> list[dict]:
    """One dict per (programme, level, tier, year, region) with the fields of ``ProgrammeTarget``; checked."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    programmes = data["programmes"] if "programmes" in data else [data]
    out = []
    for prog in programmes:
        decision, prov = prog["decision"], prog["provenance"]
        number = str(decision["number"])
        date = decision.get("date")
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        common = {
            "decision": number,
            "decision_date": date,
            "source": prov["source"],
            "tag": prov["tag"],
            "note": " ".join(str(prov.get("note", "")).split()),
        }
        for t in prog["targets"]:
            if t["level"] not in LEVELS:
                raise ValueError(f"{path}: level {t['level']!r} must be one of {', '.join(LEVELS)}")
            base = {
                **common,
                "year": int(t["year"]),
                "level": t["level"],
                "tier": t["tier"],
                "approximate": bool(t.get("approximate", False)),
            }
            if "count" in t:
                out.append(
                    {
                        **base,
                        "code": f"{_slug(number)}-{t['year']}-{t['level']}-{t['tier']}-count",
                        "region": "",
                        "min_share": None,
                        "min_count": int(t["count"]),
                    }
                )
                continue
            for key, share in t["shares"].items():
                if key != "national" and key not in REGION_KEYS:
                    raise ValueError(f"{path}: unknown region {key!r}")
                share = Decimal(str(share))
                if not 0 <= share <= 100:
                    raise ValueError(f"{path}: share {share} outside 0–100")
                out.append(
                    {
                        **base,
                        "code": f"{_slug(number)}-{t['year']}-{t['level']}-{t['tier']}-{key}",
                        "region": "" if key == "national" else key,
                        "min_share": share,
                        "min_count": None,
                    }
                )
    return out


def load_programme_targets(model=None, path: Path | str = TARGETS_FILE) -> dict[str, int]:
    """Create or update every target of the file (idempotent); ``model`` lets a migration pass its
    historical model (fields it does not have yet are left out, and so are targets it cannot hold)."""
    if model is None:
        from .models import ProgrammeTarget as model  # noqa: N813
    fields = {f.name for f in model._meta.get_fields()}
    created = updated = 0
    for row in read_targets(path):
        if row.get("min_share") is None and "min_count" not in fields:
            continue  # a count (5 provinces) needs the later schema
        defaults = {k: v for k, v in row.items() if k != "code" and k in fields}
        obj, made = model.objects.update_or_create(code=row["code"], defaults=defaults)
        created += made
        updated += not made
    return {"created": created, "updated": updated}
