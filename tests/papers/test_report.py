"""The report's tables, counted from a small roster: per managing unit, per school level and
level (recognised results only), timeliness per unit, and the year-on-year comparison."""

from __future__ import annotations

from typing import Any

from services.gateway.papers.model import Table
from services.gateway.papers.report import by_school_level, by_unit, comparison, timeliness_blocks


def school(
    code: str,
    unit: str,
    levels: list[str],
    self_state: str | None,
    ext: tuple[int, int] | None,
    recognised: bool = True,
) -> dict[str, Any]:
    e = None
    if ext:
        e = {"state": "recognised" if recognised else "concluded", "g1_level": ext[0], "g2_level": ext[1]}
    return {
        "code": code,
        "managing_unit_name": unit,
        "levels": levels,
        "self_assessment": {"state": self_state} if self_state else None,
        "external_assessment": e,
    }


ROSTER = [
    school("1", "Phòng A", ["TH"], "accepted", (3, 2)),
    school("2", "Phòng A", ["TH", "THCS"], "approved", (2, 2)),
    school("3", "Phòng A", ["THCS"], "draft", None),
    school("4", "Phòng B", ["THCS"], "accepted", (1, 3), recognised=False),  # concluded only: not counted
    school("5", "Phòng B", ["THPT"], None, None),
]


def table(rows: list[list[str]]) -> dict[str, list[str]]:
    return {r[0]: r[1:] for r in rows}


def test_per_unit_counts_only_what_was_recognised() -> None:
    t = table(by_unit(ROSTER).rows)
    # schools, self done, not submitted, recognised, N1 M1..M3, N2 M1..M3
    assert t["Phòng A"] == ["3", "2", "1", "2", "0", "1", "1", "0", "2", "0"]
    assert t["Phòng B"] == ["2", "1", "1", "0", "0", "0", "0", "0", "0", "0"]
    assert t["Tổng cộng"] == ["5", "3", "2", "2", "0", "1", "1", "0", "2", "0"]


def test_per_school_level_counts_a_multi_level_school_at_each_level() -> None:
    t = table(by_school_level(ROSTER).rows)
    assert t["Tiểu học"][:3] == ["2", "2", "0"]
    assert t["THCS"][:3] == ["3", "1", "0"]
    assert t["THPT"][:2] == ["1", "0"]


def test_timeliness_per_unit_and_total() -> None:
    statuses = [("1", "on_time"), ("2", "late"), ("3", "missing"), ("4", "on_time"), ("5", "missing")]
    t = {
        "expected": 5,
        "on_time": 2,
        "late": 1,
        "missing": 2,
        "items": [{"school_code": c, "status": s} for c, s in statuses],
    }
    blocks = timeliness_blocks(t, ROSTER)
    tab = next(b for b in blocks if isinstance(b, Table))
    assert table(tab.rows) == {
        "Phòng A": ["3", "1", "1", "1"],
        "Phòng B": ["2", "1", "0", "1"],
        "Tổng cộng": ["5", "2", "1", "2"],
    }
    assert not any(isinstance(b, Table) for b in timeliness_blocks(None, ROSTER))


def test_comparison_with_the_previous_year() -> None:
    before = [school("1", "Phòng A", ["TH"], "accepted", (2, 2))]
    t = table(comparison(ROSTER, before, "2024-2025", "2023-2024").rows)
    assert t["Số CSGD được công nhận"] == ["1", "2", "+1"]
    assert t["N1 M3"] == ["0 (0,0%)", "1 (50,0%)", "+1"]
    assert t["N1 M2"] == ["1 (100,0%)", "1 (50,0%)", "+0"]
