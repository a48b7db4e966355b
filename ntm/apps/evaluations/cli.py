"""``ntm reevaluate``: a full re-evaluation of stored results, queued for the task worker or run here.

The web application and ``ntm setup`` queue one by themselves (after a large import, after new versions
of criteria sets); this command is the operator's: after restoring a backup, after a fix, or to run
the work in the foreground with a progress bar when no worker is running.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ntm.core import formatting as vnfmt

from . import tasks


def describe(run) -> str:
    sets = ", ".join(run.set_codes) or "mọi bộ có số liệu"
    periods = ", ".join(run.periods) or "mọi kỳ có số liệu"
    return f"lượt #{run.pk} ({sets}; {periods})"


def cmd_reevaluate(set_codes: list[str], periods: list[str], *, here: bool, console: Console) -> int:
    run = tasks.start_reevaluation(set_codes, periods, reason="Lệnh ntm reevaluate", enqueue=not here)
    if not here:
        console.print(
            f"Đã xếp {describe(run)} vào hàng đợi: tiến trình nền (`ntm serve` hoặc "
            f"`ntm manage db_worker`) sẽ tính; tiến độ hiện trên các trang tổng quan."
        )
        return 0
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        bar = progress.add_task("Đánh giá lại (bộ, kỳ)", total=None)

        def report(r) -> None:
            progress.update(bar, completed=r.cells_done, total=r.cells_total or None)

        out = tasks.run_reevaluation(run.pk, progress=report)
    console.print(
        f"Đã đánh giá lại {describe(run)}: {vnfmt.number(out.get('cells', 0))} (bộ, kỳ), "
        f"{vnfmt.number(out.get('results', 0))} kết quả — {vnfmt.number(time.perf_counter() - started, 1)} giây."
    )
    return 0
