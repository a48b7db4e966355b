"""Benchmark of the report checker: 1,000 generated bulletins of ~5 KB, some of them inconsistent.

    .venv/bin/python bench/claims_bench.py            # 1,000 reports
    .venv/bin/python bench/claims_bench.py --quick    # 100 reports

Reports are generated from a fixed seed: communes, sets (xã NTM / nâng cao / kiểu mẫu, huyện
nâng cao, 2026–2030), figures consistent by construction (unmet indicators drawn from the set,
unmet criteria derived from them, percentages computed), padded with ordinary bulletin prose.
About a third get one injected inconsistency of a known kind; the run checks that each is found
and that consistent reports give no error.

The *floor* is measured on the same texts in the same run: reading them the cheapest useful way
(normalise to NFC, build the case-folded view, scan for digits with one regex). The floor ratio
says how many times that the full check costs. Timings are CPU time of this process
(``time.process_time``), so other load on the machine affects them little; wall time is shown too.
The last line printed is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ntm.core import formatting as fmt  # noqa: E402
from ntm.core.claims import extract  # noqa: E402
from ntm.core.claims.sets import Catalogue  # noqa: E402
from ntm.core.claims.text import normalize_text, views  # noqa: E402
from ntm.core.codes import criterion_of  # noqa: E402

COMMUNES = [
    "Nguyên Lý",
    "Công Lý",
    "Tiến Thắng",
    "Quảng Tân",
    "Tân Lập",
    "Đạo Lý",
    "Nhân Hòa",
    "Hòa Lạc",
    "Phú Mỹ",
    "An Bình",
    "Đông Sơn",
    "Kim Sơn",
    "Yên Lạc",
    "Bình Minh",
    "Hải Lộc",
    "Trường Xuân",
    "Đồng Tâm",
    "Tân Phú",
    "Xuân Khê",
    "Chân Lý",
    "Bắc Lý",
    "Nhân Thịnh",
    "Hợp Lý",
    "Văn Lý",
    "Phú Phúc",
    "Đức Lý",
]
DISTRICTS = ["Lý Nhân", "Đầm Hà", "Kim Bảng", "Thanh Liêm", "Bình Lục", "Duy Tiên"]
PROVINCES = ["Hà Nam", "Quảng Ninh", "Nam Định", "Thái Bình"]
FILLER = [
    "Chỉ đạo các xã tiếp tục triển khai thực hiện xây dựng nông thôn mới, chú trọng các tiêu chí động, chỉnh trang "
    "cảnh quan, môi trường.",
    "Các ngành, đoàn thể tập trung tuyên truyền vận động nhân dân chỉnh trang cảnh quan, dọn vệ sinh môi trường trên "
    "các tuyến đường, nơi công cộng, khu dân cư.",
    "Tuyên truyền, vận động người dân tham gia bảo hiểm y tế; tập trung chỉnh trang, nâng cấp sửa chữa các hạng mục về "
    "giao thông, trường học, trụ sở làm việc và nhà văn hóa.",
    "Triển khai sản xuất vụ mùa hoàn thành kế hoạch trong khung thời vụ tốt nhất; đôn đốc các địa phương chủ động sẵn "
    "sàng chống úng khi có mưa lớn xảy ra.",
    "Bên cạnh những kết quả đạt được, một số địa phương chưa quan tâm chỉ đạo việc nâng cao các chỉ tiêu, tiêu chí đã "
    "đạt; công tác vệ sinh môi trường chưa đảm bảo.",
    "Huy động tối đa các nguồn lực tập trung chỉnh trang, nâng cấp cơ sở hạ tầng, cơ sở vật chất văn hóa; tiếp tục "
    "giám sát và đôn đốc tiến độ thi công các dự án trên địa bàn.",
    "Đẩy mạnh việc thực hiện chính quyền số ở các cấp, triển khai lắp đặt hệ thống camera, wifi ở một số điểm công "
    "cộng; hỗ trợ xây dựng thương hiệu cho các sản phẩm OCOP.",
    "Các xã tập trung thực hiện tốt công tác giải ngân vốn đầu tư đối với các công trình, dự án nông thôn mới được "
    "đầu tư năm nay, đảm bảo tiến độ, chất lượng theo quy định.",
]
INJECT = [
    "percent-mismatch",
    "unmet-count-mismatch",
    "total-mismatch",
    "achieved-above-total",
    "contradiction",
    "implied-criteria-mismatch",
    "unknown-code",
    "average-above-total",
    "criteria-indicators-mismatch",
]


def _load_catalog():
    try:
        from ntm.core.catalog import default_catalog

        return default_catalog(), "default"
    except Exception:
        from ntm.core.claims.testing import stub_catalog

        return stub_catalog(), "stub"


class Gen:
    def __init__(self, seed: int, cat: Catalogue):
        self.r = random.Random(seed)
        self.cat = cat

    def codes(self, set_code: str) -> list[str]:
        info = self.cat.info(set_code)
        return sorted(info.indicator_codes) if info else []

    def unmet(self, set_code: str, k: int) -> tuple[list[str], list[int]]:
        codes = self.codes(set_code)
        ind = sorted(self.r.sample(codes, k), key=lambda c: [int(x) for x in c.split(".")])
        crit = sorted({criterion_of(c) for c in ind})
        return ind, crit

    def commune_line(self, name: str, year: int, inject: str | None) -> tuple[str, str | None]:
        r = self.r
        parts = []
        used = None
        for set_code, wording, n_ind in (
            ("xa-ntm-2021", "nông thôn mới", 57),
            ("xa-nang-cao-2021", "nông thôn mới nâng cao", 75),
        ):
            k = r.randint(0, 6)
            ind, crit = self.unmet(set_code, k)
            c_ach, i_ach = 19 - len(crit), n_ind - k
            tot_i = n_ind
            pct = ""
            if r.random() < 0.4:
                pct = f" ({fmt.percent(c_ach, 19)})"
            if inject == "percent-mismatch" and used is None:
                pct, used = f" ({fmt.number(c_ach * 100 / 19 + 3, 2)}%)", inject
            if inject == "total-mismatch" and used is None and set_code == "xa-nang-cao-2021":
                tot_i, used = 57, inject
                i_ach = min(i_ach, 56)
            if inject == "achieved-above-total" and used is None:
                c_ach, used = 20, inject
                crit = []
            if inject == "criteria-indicators-mismatch" and used is None and k > 0:
                c_ach, used, crit = 19, inject, []
            line = f"{c_ach}/19 tiêu chí{pct} với {i_ach}/{tot_i} chỉ tiêu {wording}"
            if k and crit and r.random() < 0.7:
                listed = list(crit)
                if inject == "implied-criteria-mismatch" and used is None and len(listed) > 1:
                    listed.pop()
                    used = inject
                    line += (
                        f", còn {len(crit)} tiêu chí chưa đạt: tiêu chí số {'; '.join(map(str, listed))}"
                        f", chưa đạt các chỉ tiêu {'; '.join(ind)}"
                    )
                else:
                    extra = []
                    if inject == "unmet-count-mismatch" and used is None:
                        extra, used = [c for c in self.codes(set_code) if c not in ind][:1], inject
                    if inject == "unknown-code" and used is None:
                        ind = ind[:-1] + ["23.1"]
                        used = inject
                    line += f", còn {len(crit)} tiêu chí chưa đạt: tiêu chí số {'; '.join(map(str, listed))}"
                    line += f"; chưa đạt các chỉ tiêu {'; '.join(ind + extra)}"
            parts.append(line)
        return f"+ Xã {name}: đạt " + "; ".join(parts) + ".", used

    def report(self, i: int) -> tuple[str, str | None]:
        r = self.r
        year = r.choice([2022, 2023, 2023, 2024, 2025])
        month = r.randint(1, 12)
        district = r.choice(DISTRICTS)
        province = r.choice(PROVINCES)
        inject = r.choice(INJECT) if r.random() < 0.33 else None
        out = [
            f"Bản tin nông thôn mới tháng {month}/{year}",
            "",
            f"Huyện {district}, tỉnh {province} — kết quả xây dựng nông thôn mới",
            "",
        ]
        communes = r.sample(COMMUNES, r.randint(4, 8))
        used = None
        lines = []
        for name in communes:
            line, u = self.commune_line(name, year, inject if used is None else None)
            used = used or u
            lines.append(line)
        n = r.randint(5, 12)
        # averages consistent with each other: fewer unmet criteria than unmet indicators
        unmet_c = r.uniform(0.1, 3.5)
        avg_c = round(19 - unmet_c, 2)
        avg_i = round(57 - unmet_c - r.uniform(0.05, 3), 2)
        if inject == "average-above-total" and used is None:
            avg_c, used = 19.35, inject
        agg = (
            f"Thực hiện bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021-2025 đến nay có {n} xã đạt: "
            f"{fmt.number(avg_c, 2, trim=True)}/19 tiêu chí đạt {fmt.number(avg_c * 100 / 19, 1)}%; "
            f"{fmt.number(avg_i, 2, trim=True)}/57 chỉ tiêu đạt {fmt.number(avg_i * 100 / 57, 1)}%."
        )
        d_c = r.randint(5, 9)
        d_i = 38 - ((9 - d_c) + r.randint(0, 4) if d_c < 9 else 0)
        district_line = (
            f"Đến nay huyện đã đạt {d_c}/9 tiêu chí, {d_i}/38 chỉ tiêu theo Bộ tiêu "
            f"chí Huyện nông thôn mới nâng cao giai đoạn 2021 – 2025."
        )
        if inject == "contradiction" and used is None:
            first = lines[0]
            m = re.search(r"đạt (\d+)/19 tiêu chí", first)
            a = int(m.group(1))
            other = a - 1 if a > 1 else a + 1
            lines.append(f"Riêng xã {communes[0]} đạt {other}/19 tiêu chí nông thôn mới.")
            used = inject
        body = lines + ["", agg, "", district_line]
        text = "\n".join(out + body) + "\n\n"
        while len(text.encode()) < 5000:
            text += r.choice(FILLER) + " "
            if r.random() < 0.25:
                text += "\n\n"
        return text, used


def _floor(texts: list[str]) -> float:
    digits = re.compile(r"\d+")
    t0 = time.process_time()
    n = 0
    for t in texts:
        norm = normalize_text(t)
        views(norm)
        n += len(digits.findall(norm))
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 reports instead of 1,000")
    ap.add_argument("--reports", type=int, default=None)
    ap.add_argument("--seed", type=int, default=20230731)
    a = ap.parse_args(argv)
    n = a.reports or (100 if a.quick else 1000)
    catalog, cat_name = _load_catalog()
    cat = Catalogue.load(catalog)
    gen = Gen(a.seed, cat)
    reports = [gen.report(i) for i in range(n)]
    texts = [t for t, _ in reports]
    size = sum(len(t.encode()) for t in texts)
    print(
        f"{n} báo cáo sinh ngẫu nhiên (seed {a.seed}), {fmt.number(size / 1024 / 1024, 2)} MB, "
        f"trung bình {fmt.number(size / n / 1024, 1)} KB; danh mục: {cat_name}"
    )

    extract(texts[0], catalog=catalog)  # warm-up: imports, caches
    floor = min(_floor(texts) for _ in range(3))

    t0, w0 = time.process_time(), time.perf_counter()
    results = [extract(t, catalog=catalog) for t in texts]
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0

    claims = sum(len(r.claims) for r in results)
    findings = sum(len(r.findings) for r in results)
    injected = [(i, code) for i, (_, code) in enumerate(reports) if code]
    detected = sum(1 for i, code in injected if code in {f.code for f in results[i].findings})
    missed = [(i, code) for i, code in injected if code not in {f.code for f in results[i].findings}]
    clean = [i for i, (_, code) in enumerate(reports) if not code]
    false_pos = sum(1 for i in clean if results[i].errors)
    by_kind: dict[str, list[int]] = {}
    for i, code in injected:
        by_kind.setdefault(code, [0, 0])
        by_kind[code][0] += 1
        by_kind[code][1] += code in {f.code for f in results[i].findings}

    rps = n / cpu if cpu else float("inf")
    print(
        f"kiểm tra: {fmt.number(cpu, 2)} s CPU ({fmt.number(wall, 2)} s thực) → {fmt.number(rps)} báo cáo/giây, "
        f"{fmt.number(size / 1024 / 1024 / cpu, 2)} MB/giây"
    )
    print(
        f"mức sàn (chuẩn hoá NFC + dạng không dấu + quét chữ số): {fmt.number(floor, 3)} s → "
        f"kiểm tra tốn gấp {fmt.number(cpu / floor, 1)} lần mức sàn"
    )
    print(
        f"{claims} số liệu, {findings} phát hiện; lỗi cài vào: {len(injected)}, tìm thấy {detected}; "
        f"báo lỗi nhầm ở {false_pos}/{len(clean)} báo cáo không cài lỗi"
    )
    for code, (k, found) in sorted(by_kind.items()):
        print(f"  {code:30} {found}/{k}")
    for i, code in missed[:5]:
        print(f"  bỏ sót {code} ở báo cáo {i}")
    summary = {
        "bench": "claims",
        "reports": n,
        "bytes": size,
        "catalog": cat_name,
        "cpu_seconds": round(cpu, 3),
        "wall_seconds": round(wall, 3),
        "reports_per_second": round(rps, 1),
        "floor_seconds": round(floor, 4),
        "floor_ratio": round(cpu / floor, 2) if floor else None,
        "claims": claims,
        "findings": findings,
        "injected": len(injected),
        "detected": detected,
        "false_positive_reports": false_pos,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if detected == len(injected) and false_pos == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
