"""``ntm claims check FILE... [--format text|json]`` — the command-line face of the report checker.

Exit codes: 0 no error finding (warnings allowed), 1 at least one error finding, 2 a file could
not be used (missing, binary, too large, undecodable); 2 wins over 1.

Text output shows, for each finding, what is wrong in Vietnamese (no internal code), what the text
says and what it should say, a suggested correction, and the sentence it comes from with the
offending figure highlighted: in colour on a terminal, between »…« otherwise (files, pipes, CI logs).
"LỖI" is a figure that cannot be right; "CẦN XEM LẠI" a doubt.
"""

from __future__ import annotations

import json
import os
import sys
from typing import IO, Any

from rich.console import Console
from rich.text import Text

from . import DEFAULT_MAX_BYTES, DEFAULT_MAX_CHARS, DocumentError, InputTooLarge, extract, read_document
from .model import Finding, Report

SEVERITY_LABEL = {"error": "LỖI", "warning": "CẦN XEM LẠI"}
SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow"}
CONTEXT_WIDTH = 220


def run(
    files: list[str],
    fmt: str = "text",
    out: IO[str] | None = None,
    *,
    err: IO[str] | None = None,
    catalog: Any = None,
    resolver: Any = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_chars: int = DEFAULT_MAX_CHARS,
    lookup: Any = None,
) -> int:
    """Check each file; ``lookup(unit_code, set_code, period)`` (optional, with ``lookup.rollup`` for
    counts and averages) compares the figures with stored results (:func:`ntm.core.claims.compare.compare_with`)."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    if fmt not in ("text", "json"):
        err.write(f"lỗi: định dạng '{fmt}' không hỗ trợ (dùng text hoặc json)\n")
        return 2
    if not files:
        err.write("lỗi: chưa chỉ định tệp báo cáo nào\n")
        return 2
    code = 0
    results: list[dict] = []
    console = _console(out) if fmt == "text" else None
    for path in files:
        try:
            text = read_document(path, max_bytes=max_bytes, max_chars=max_chars)
            report = extract(
                text, source=os.path.basename(path), resolver=resolver, catalog=catalog, max_chars=max_chars
            )
        except (DocumentError, InputTooLarge, Exception) as exc:
            if isinstance(exc, (DocumentError, InputTooLarge)):
                msg = str(exc) if str(exc).startswith(path) else f"{path}: {exc}"
            else:  # a bug here must not hide the other files' results behind a traceback
                msg = f"{path}: lỗi không mong đợi khi kiểm tra ({type(exc).__name__}: {exc})"
            err.write(f"lỗi: {msg}\n")
            err.flush()
            code = 2
            if fmt == "json":
                results.append(
                    {"source": os.path.basename(path), "path": path, "error": msg, "claims": [], "findings": []}
                )
            continue
        if lookup is not None:
            from .compare import compare_with

            report.findings.extend(compare_with(report, lookup))
        if report.errors and code == 0:
            code = 1
        if fmt == "json":
            d = report.to_dict()
            d["path"] = path
            results.append(d)
        else:
            assert console is not None
            render_text(report, console, path)
    if fmt == "json":
        data: Any = results[0] if len(results) == 1 else results
        out.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    out.flush()
    return code


def _console(out: IO[str]) -> Console:
    tty = bool(getattr(out, "isatty", lambda: False)())
    return Console(
        file=out,
        force_terminal=tty,
        no_color=not tty,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        width=max(100, Console(file=out).width if tty else 100),
    )


def render_text(report: Report, console: Console, path: str | None = None) -> None:
    tty = console.is_terminal
    n_err, n_warn = len(report.errors), len(report.warnings)
    head = Text()
    head.append(path or report.source or "<văn bản>", style="bold")
    bits = []
    if report.period:
        bits.append(report.period.label)
    bits.append(f"{len(report.claims)} số liệu")
    if n_err or n_warn:
        parts = []
        if n_err:
            parts.append(f"{n_err} lỗi")
        if n_warn:
            parts.append(f"{n_warn} điểm cần xem lại")
        bits.append(", ".join(parts))
    else:
        bits.append("không thấy số liệu nào mâu thuẫn")
    head.append(" — " + " · ".join(bits))
    console.print(head)
    for note in report.notes:
        console.print(Text(f"  ghi chú: {note}", style="dim"))
    for f in report.findings:
        _render_finding(report, f, console, tty)
    console.print()


def _render_finding(report: Report, f: Finding, console: Console, tty: bool) -> None:
    t = report.text
    line_no = t.count("\n", 0, f.span[0]) + 1
    title = Text("  ")
    title.append(SEVERITY_LABEL[f.severity], style=SEVERITY_STYLE[f.severity])
    title.append(f" · {f.title or f.message} · dòng {line_no}")
    who = " · ".join(x for x in (f.subject, f.set) if x)
    if who:
        title.append(f" · {who}")
    console.print(title)
    console.print(Text("    " + f.message))
    if f.reported is not None or f.expected is not None:
        line = Text("    văn bản ghi: ")
        line.append(f.reported or "—", style="bold")
        if f.expected is not None:
            line.append("   đúng ra: ")
            line.append(f.expected, style="bold green" if tty else "")
        console.print(line)
    if f.suggestion:
        console.print(Text("    đề nghị: " + f.suggestion))
    console.print(_excerpt(t, f.span, f.related_span, tty))


def _excerpt(t: str, span: tuple[int, int], related: tuple[int, int] | None, tty: bool) -> Text:
    s, e = span
    lo = t.rfind("\n", 0, s) + 1
    hi = t.find("\n", e)
    hi = len(t) if hi < 0 else hi
    if hi - lo > CONTEXT_WIDTH:
        half = max(30, (CONTEXT_WIDTH - (e - s)) // 2)
        lo2, hi2 = max(lo, s - half), min(hi, e + half)
        lo, hi = lo2, hi2
    marks = [(s, e, "bold red reverse" if tty else "")]
    if related and related != span and lo <= related[0] and related[1] <= hi and (related[1] <= s or related[0] >= e):
        marks.append((related[0], related[1], "underline"))
    marks.sort()
    out = Text("    │ ")
    if lo > t.rfind("\n", 0, s) + 1:
        out.append("…")
    pos = lo
    for a, b, style in marks:
        out.append(_flat(t[pos:a]))
        if tty:
            out.append(_flat(t[a:b]), style=style)
        elif style == "underline":
            out.append("‹" + _flat(t[a:b]) + "›")
        else:
            out.append("»" + _flat(t[a:b]) + "«")
        pos = b
    out.append(_flat(t[pos:hi]))
    if hi < (len(t) if t.find("\n", e) < 0 else t.find("\n", e)):
        out.append("…")
    return out


def _flat(s: str) -> str:
    return s.replace("\n", " ")


def main(argv: list[str] | None = None) -> int:  # python -m ntm.core.claims.cli FILE... [--format json]
    import argparse

    p = argparse.ArgumentParser(prog="ntm claims check")
    p.add_argument("files", nargs="+")
    p.add_argument("--format", choices=("text", "json"), default="text")
    a = p.parse_args(argv)
    return run(a.files, a.format)


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["run", "render_text", "main"]
