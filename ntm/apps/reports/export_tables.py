"""Tables that only the XLSX of a bulletin carries (the full list of communes, however many)."""

from __future__ import annotations

from ntm.core.reports.bulletin import BulletinData
from ntm.core.reports.model import Table


def all_communes_table(data: BulletinData) -> Table:
    cols = ["STT", "Mã đơn vị", "Xã"]
    for s in data.sets:
        cols += [
            f"Tiêu chí đạt ({s.short_name})",
            f"Chỉ tiêu đạt ({s.short_name})",
            f"Đạt chuẩn ({s.short_name})",
            f"Tiêu chí chưa đạt ({s.short_name})",
        ]
    rows = []
    for i, r in enumerate(data.rows, start=1):
        row = [str(i), r.uid, r.name]
        for s in data.sets:
            sc = r.scores.get(s.code)
            if sc is None:
                row += ["", "", "", ""]
            else:
                row += [
                    str(sc.criteria_met),
                    str(sc.indicators_met),
                    "có" if sc.standard_met else "không",
                    "; ".join(str(n) for n in sc.unmet_criteria),
                ]
        rows.append(row)
    return Table(
        caption=f"Kết quả của tất cả các xã, {data.period_label}", columns=cols, rows=rows, key="tat-ca-cac-xa"
    )
