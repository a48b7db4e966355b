"""Render the demo bulletin and a dossier to DOCX/PDF/XLSX/HTML and their pages to PNG, to look at them.

    NTM_HOME=/tmp/ntm-render .venv/bin/ntm setup --demo      # once: a database with the demo data
    NTM_HOME=/tmp/ntm-render .venv/bin/python bench/render_bulletin.py [--out DIR] [--unit huyen:353@2024] [--period 2023-07]

Writes DIR/ban-tin.{docx,pdf,xlsx,html}, DIR/ho-so.{docx,pdf}, then
- the PDF pages as PNG with ``pdftoppm`` (Debian package poppler-utils), if installed;
- the DOCX converted to PDF by ``libreoffice --headless`` and its pages as PNG, if LibreOffice is installed
  (otherwise the DOCX rendering is skipped and said so).
``--docs`` writes page 1 of the bulletin and of the dossier to docs/img/bao-cao-ban-tin.png and
docs/img/ho-so-xet-cong-nhan.png (from the DOCX when LibreOffice is installed, else from the PDF).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="var/render")
    ap.add_argument("--unit", default="huyen:353@2024", help="default: Huyện Lý Nhân (demo data)")
    ap.add_argument("--period", default="2023-07")
    ap.add_argument("--commune", default="xa:13570@2024", help="dossier commune (default: Xã Nguyên Lý)")
    ap.add_argument("--set", default="xa-ntm-2021")
    ap.add_argument("--docs", action="store_true", help="write page 1 of the bulletin and the dossier to docs/img/")
    a = ap.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ntm.web.settings")
    import django

    django.setup()
    from ntm.apps.reports.formats import render
    from ntm.apps.reports.services import bulletin, dossier
    from ntm.apps.units.services import resolve_unit

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    issued = dt.date(2023, 7, 31)
    doc, _ = bulletin(resolve_unit(a.unit), a.period, issued=issued)
    dos, _ = dossier(resolve_unit(a.commune), a.set, a.period, issued=issued)
    files = []
    for d, stem, formats in ((doc, "ban-tin", ("docx", "pdf", "xlsx", "html")), (dos, "ho-so", ("docx", "pdf"))):
        for f in formats:
            p = out / f"{stem}.{f}"
            p.write_bytes(render(d, f))
            files.append(p)
            print(f"{p}  {p.stat().st_size:,} bytes")

    if shutil.which("pdftoppm"):
        for stem in ("ban-tin", "ho-so"):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", str(out / f"{stem}.pdf"), str(out / f"{stem}-pdf")], check=True
            )
        print("PDF pages:", ", ".join(sorted(str(p) for p in out.glob("*-pdf-*.png"))))
    else:
        print("pdftoppm not found (apt-get install poppler-utils): PDF pages not rendered", file=sys.stderr)

    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office and shutil.which("pdftoppm"):
        for stem in ("ban-tin", "ho-so"):
            docx_dir = out / "docx-pdf"
            subprocess.run(
                [office, "--headless", "--convert-to", "pdf", "--outdir", str(docx_dir), str(out / f"{stem}.docx")],
                check=True,
                capture_output=True,
                timeout=180,
            )
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", str(docx_dir / f"{stem}.pdf"), str(out / f"{stem}-docx")], check=True
            )
        print("DOCX pages:", ", ".join(sorted(str(p) for p in out.glob("*-docx-*.png"))))
    else:
        print("LibreOffice not installed: DOCX rendering skipped (apt-get install libreoffice-writer-nogui to enable)")
    if a.docs and shutil.which("pdftoppm"):
        img = Path(__file__).resolve().parents[1] / "docs" / "img"
        img.mkdir(parents=True, exist_ok=True)
        for stem, name in (("ban-tin", "bao-cao-ban-tin"), ("ho-so", "ho-so-xet-cong-nhan")):
            src = out / "docx-pdf" / f"{stem}.pdf"
            src = src if src.exists() else out / f"{stem}.pdf"
            subprocess.run(
                ["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(src), str(img / name)],
                check=True,
            )
            print(f"wrote {img / name}.png (page 1 of {src})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
