"""Shared fixtures for the report-checker tests (pure Python: no Django needed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ntm.core.claims.testing import stub_catalog

# The published sample reports stay outside the repository (they are other people's texts): beside the
# checkout in ``../shared/samples/reports``, or where NTM_SAMPLES points. Without them the tests that
# read them are skipped, saying so; the development set in ``cases/`` is written in our own words.
_ROOT = Path(__file__).resolve().parents[3]
SAMPLES = Path(os.environ.get("NTM_SAMPLES") or _ROOT.parent / "shared" / "samples" / "reports")
if not SAMPLES.is_dir() and Path("/work/shared/samples/reports").is_dir():
    SAMPLES = Path("/work/shared/samples/reports")

SAMPLE_NAMES = [
    "ly-nhan-ban-tin-2023-07",
    "dam-ha-hop-bcd-2022-08",
    "binh-lieu-tien-do-2023-11",
    "khanh-binh-tong-ket-2023",
    "nam-truc-hoi-nghi-2023-11",
]


def _real():
    from ntm.core.catalog import default_catalog

    return default_catalog()  # a broken shipped catalogue fails these tests, never skips them


@pytest.fixture(scope="session", params=["stub", "real"])
def cat(request):
    """Every test that takes ``cat`` runs against the stand-in and against the shipped catalogue."""
    return stub_catalog() if request.param == "stub" else _real()


def sample(name: str) -> tuple[str, dict]:
    if not (SAMPLES / f"{name}.txt").is_file():
        pytest.skip(f"the published sample reports are not beside the checkout ({SAMPLES}); set NTM_SAMPLES")
    text = (SAMPLES / f"{name}.txt").read_text(encoding="utf-8")
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return text, expected


def make_pdf(lines: list[str]) -> bytes:
    """A one-page text PDF (Helvetica, WinAnsi: ASCII text only), built by hand."""
    content = "BT /F1 11 Tf 50 780 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out.encode("latin-1")))
        out += f"{i} 0 obj\n{o}\nendobj\n"
    xref = len(out.encode("latin-1"))
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")


@pytest.fixture(scope="session")
def load_sample():
    return sample


@pytest.fixture(scope="session")
def pdf_bytes():
    return make_pdf
