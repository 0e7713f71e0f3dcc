"""The tables of the Báo cáo kết quả (Phòng → Sở, Sở → Bộ): per managing unit, per school level and
level, timeliness, and the comparison with the previous year. Counted in one pass over the roster
the paper already holds (the scoring service's SQL did the joins; no query per school)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.gateway.papers.common import SCHOOL_LEVEL
from services.gateway.papers.model import Heading, Para, Table

SELF_DONE = {"approved", "accepted"}
LEVEL_COLS = ["N1 M1", "N1 M2", "N1 M3", "N2 M1", "N2 M2", "N2 M3"]


def official(s: dict[str, Any]) -> dict[str, Any] | None:
    """The recognised external result: the official level (I-8); anything else is not counted."""
    e = s.get("external_assessment")
    return e if e and e["state"] == "recognised" else None


def _levels(schools: list[dict[str, Any]]) -> list[int]:
    c: Counter[str] = Counter()
    for s in schools:
        e = official(s)
        if e:
            c[f"N1 M{e['g1_level']}"] += 1
            c[f"N2 M{e['g2_level']}"] += 1
    return [c[k] for k in LEVEL_COLS]


def by_unit(roster: list[dict[str, Any]]) -> Table:
    units: dict[str, list[dict[str, Any]]] = {}
    for s in roster:
        units.setdefault(s["managing_unit_name"], []).append(s)
    rows = []
    for name, schools in sorted(units.items()):
        self_done = sum(1 for s in schools if (s["self_assessment"] or {}).get("state") in SELF_DONE)
        missing = sum(
            1 for s in schools if not s["self_assessment"] or s["self_assessment"]["state"] not in SELF_DONE
        )
        rec = sum(1 for s in schools if official(s))
        rows.append(
            [name, str(len(schools)), str(self_done), str(missing), str(rec), *map(str, _levels(schools))]
        )
    rows.append(["Tổng cộng", str(len(roster)), *[str(sum(int(r[i]) for r in rows)) for i in range(2, 11)]])
    return Table(
        ["Đơn vị quản lý", "Số CSGD", "Đã tự đánh giá", "Chưa nộp", "Đã công nhận", *LEVEL_COLS],
        rows,
        [6, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1],
        "lcccccccccc",
    )


def by_school_level(roster: list[dict[str, Any]]) -> Table:
    rows = []
    for code, label in SCHOOL_LEVEL.items():
        schools = [s for s in roster if code in s["levels"]]
        rec = sum(1 for s in schools if official(s))
        rows.append([label, str(len(schools)), str(rec), *map(str, _levels(schools))])
    return Table(
        ["Cấp học", "Số CSGD", "Đã công nhận", *LEVEL_COLS], rows, [4, 2, 2, 1, 1, 1, 1, 1, 1], "lcccccccc"
    )


def _share(n: int, total: int) -> str:
    return f"{n} ({n * 100 / total:.1f}%)".replace(".", ",") if total else "0"


def comparison(
    roster: list[dict[str, Any]], previous: list[dict[str, Any]], year: str, prev_year: str
) -> Table:
    now, before = _levels(roster), _levels(previous)
    n_now, n_before = sum(1 for s in roster if official(s)), sum(1 for s in previous if official(s))
    rows = [
        [k, _share(b, n_before), _share(a, n_now), f"{a - b:+d}"]
        for k, a, b in zip(LEVEL_COLS, now, before, strict=True)
    ]
    rows.insert(0, ["Số CSGD được công nhận", str(n_before), str(n_now), f"{n_now - n_before:+d}"])
    return Table(
        ["Chỉ số", f"Năm học {prev_year}", f"Năm học {year}", "Tăng/giảm"], rows, [5, 4, 4, 2], "lccc"
    )


def timeliness_blocks(t: dict[str, Any] | None, roster: list[dict[str, Any]]) -> list[Heading | Para | Table]:
    """Per managing unit, from sync's per-school statuses (expected on the deadline day)."""
    head = Heading("3. Tiến độ cập nhật kết quả tự đánh giá lên CSDL ngành")
    if t is None:
        return [
            head,
            Para(
                "Số liệu đúng hạn do dịch vụ đồng bộ CSDL ngành cung cấp; không truy cập được "
                "khi lập báo cáo."
            ),
        ]
    unit_of = {s["code"]: s["managing_unit_name"] for s in roster}
    counts: dict[str, Counter[str]] = {}
    for sc in t.get("items", []):
        counts.setdefault(unit_of.get(sc["school_code"], "Khác"), Counter())[sc["status"]] += 1
    rows = [
        [unit, str(sum(c.values())), str(c["on_time"]), str(c["late"]), str(c["missing"])]
        for unit, c in sorted(counts.items())
    ]
    rows.append(["Tổng cộng", str(t["expected"]), str(t["on_time"]), str(t["late"]), str(t["missing"])])
    header = ["Đơn vị quản lý", "Số CSGD phải cập nhật", "Đúng hạn", "Quá hạn", "Chưa cập nhật"]
    return [head, Table(header, rows, [6, 2, 2, 2, 2], "lcccc")]


def report_blocks(
    unit: dict[str, Any],
    year: str,
    roster: list[dict[str, Any]],
    previous: list[dict[str, Any]],
    timeliness: dict[str, Any] | None,
) -> list[Heading | Para | Table]:
    start = int(year[:4])
    prev = f"{start - 1}-{start}"
    rec = sum(1 for s in roster if official(s))
    return [
        Para(
            f"{unit['name']} báo cáo kết quả đánh giá mức độ chuyển đổi số năm học {year} theo Quyết định số "
            f"4725/QĐ-BGDĐT: {len(roster)} cơ sở giáo dục thuộc phạm vi quản lý, {rec} cơ sở "
            "đã được công nhận."
        ),
        Para(
            "Ký hiệu: N1, N2 – Nhóm 1 (dạy, học), Nhóm 2 (quản trị); M1, M2, M3 – Mức 1 (chưa đáp ứng), "
            "Mức 2 (đáp ứng cơ bản), Mức 3 (đáp ứng tốt); mức độ tính theo kết quả đã được công nhận. "
            "Trường nhiều cấp học được tính ở mỗi cấp học."
        ),
        Heading("1. Kết quả theo đơn vị quản lý"),
        by_unit(roster),
        Heading("2. Kết quả theo cấp học và mức độ"),
        by_school_level(roster),
        *timeliness_blocks(timeliness, roster),
        Heading(f"4. So sánh với năm học {prev}"),
        comparison(roster, previous, year, prev),
    ]
