"""Every level edge of every criterion and group (I-2: "từ a - b" inclusive, "dưới"/"trên" strict),
reached with awarded points of two decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.scoring.conftest import criterion, group

# every item at its full cap, with the information the index asks for (I-10)
MEMBERS = [
    {"name": "Nguyễn Văn An", "position": "Hiệu trưởng", "email": "an@th.edu.vn", "phone": "0901234567"}
]
FULL: dict[str, Any] = {
    "1.1": {"met": True},
    "1.2": {"met": True},
    "2.1": {"met": True, "members": MEMBERS},
    "2.2": {"met": True},
    "lms": {"deployed": True, "name": "K12Online", "acquisition": "rented"},
    "sms": {"deployed": True, "name": "SMAS", "acquisition": "rented"},
    "1.5.1": {"deployed": True, "name": "Phần mềm thi trắc nghiệm"},
    **{c: {"deployed": True} for c in ["1.3.1", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.5.2", "1.7.3"]},
    **{c: {"deployed": True} for c in ["2.3.1", "2.3.2", "2.3.4", "2.3.5", "2.3.6", "2.3.7", "2.3.8"]},
    **{c: {"deployed": True} for c in ["2.4.1", "2.4.2", "2.4.3"]},
    "1.4.1": {"count": 40},
    "1.6.1": {"numerator": 10, "denominator": 10},
    "1.6.2": {"numerator": 10, "denominator": 10},
    "1.6.3": {"numerator": 10, "denominator": 10},
    "1.7.1": {"numerator": 10, "denominator": 10},
    "1.7.2": {"class_size": 30, "lab_computers": 30},
    "2.3.3": {"mode": "digital_signature"},
}

ITEMS = {
    "1.3": [("1.3.1", 6), ("1.3.2", 6), ("1.3.3", 6), ("1.3.4", 6), ("1.3.5", 6)],
    "1.4": [("1.4.1", 10)],
    "1.5": [("1.5.1", 15), ("1.5.2", 5)],
    "1.6": [("1.6.1", 7), ("1.6.2", 7), ("1.6.3", 6)],
    "1.7": [("1.7.1", 8), ("1.7.2", 7), ("1.7.3", 5)],
    "2.3": [(f"2.3.{i}", c) for i, c in [(1, 6), (2, 6), (3, 10), (4, 6), (5, 10), (6, 10), (7, 6), (8, 6)]],
    "2.4": [("2.4.1", 8), ("2.4.2", 12), ("2.4.3", 10)],
}


def award(total: str, *criteria: str) -> dict[str, str]:
    """Points spread over the criteria's items, in order, each up to its cap, summing to `total`."""
    left = Decimal(total)
    out: dict[str, str] = {}
    for c in criteria:
        for code, cap in ITEMS[c]:
            take = min(left, Decimal(cap))
            out[code] = str(take)
            left -= take
    assert left == 0, "total above what the items can reach"
    return out


CRITERION_EDGES = [
    # (criterion, Decision's wording, [(points, level)])
    ("1.3", "dưới 10 / từ 10 -20 / trên 20", [("9.99", 1), ("10", 2), ("20", 2), ("20.01", 3), ("30", 3)]),
    ("1.4", "dưới 4 / từ 4 - 6 / trên 7 (I-3: >6)", [("3.99", 1), ("4", 2), ("6", 2), ("6.01", 3), ("7", 3)]),
    ("1.5", "dưới 8 / từ 8 - 14 / trên 14", [("0", 1), ("7.99", 1), ("8", 2), ("14", 2), ("14.01", 3)]),
    ("1.6", "dưới 8 / từ 8 - 14 / trên 14", [("7.99", 1), ("8", 2), ("14", 2), ("14.01", 3), ("20", 3)]),
    ("1.7", "dưới 8 / từ 8 - 14 / trên 14", [("7.99", 1), ("8", 2), ("14", 2), ("14.01", 3)]),
    ("2.3", "dưới 20 / từ 20-50 / trên 50", [("19.99", 1), ("20", 2), ("50", 2), ("50.01", 3), ("60", 3)]),
    ("2.4", "dưới 10 / từ 10-18 / trên 18", [("9.99", 1), ("10", 2), ("18", 2), ("18.01", 3), ("30", 3)]),
]


@pytest.mark.parametrize(
    ("code", "points", "level"),
    [(c, p, lv) for c, _w, edges in CRITERION_EDGES for p, lv in edges],
)
def test_criterion_level_edges(run, code, points, level):
    r = criterion(run(FULL, awarded=award(points, code)), code)
    assert r.points == Decimal(points)
    assert r.level == level


def test_i3_gap_is_closed(run):
    # the text's "trên 7" would leave 6.5 unassigned; I-3 places it in level 3
    r = criterion(run(FULL, awarded=award("6.5", "1.4")), "1.4")
    assert r.level == 3
    assert r.why.band == "(6, inf)"


GROUP_EDGES = [("49.99", 1), ("50", 2), ("62.5", 2), ("75", 2), ("75.01", 3), ("100", 3)]


@pytest.mark.parametrize(("points", "level"), GROUP_EDGES)
def test_group1_level_edges(run, points, level):
    """Mục 5: "dưới 50" → Mức độ 1; "từ 50 đến 75" → Mức độ 2; "trên 75" → Mức độ 3."""
    g = group(run(FULL, awarded=award(points, "1.3", "1.4", "1.5", "1.6", "1.7")), "1")
    assert (g.points, g.level) == (Decimal(points), level)


@pytest.mark.parametrize(("points", "level"), [p for p in GROUP_EDGES if Decimal(p[0]) <= 90])
def test_group2_level_edges(run, points, level):
    g = group(run(FULL, awarded=award(points, "2.3", "2.4")), "2")
    assert (g.points, g.level) == (Decimal(points), level)


def test_full_marks(run):
    r = run(FULL)
    g1, g2 = group(r, "1"), group(r, "2")
    assert (g1.points, g1.level, g1.attainable_max) == (100, 3, 100)
    # I-4: 2.3 declares 70 but its items reach 60, so group 2 tops out at 90
    assert (g2.points, g2.level, g2.attainable_max) == (90, 3, 90)
    assert criterion(r, "2.3").max_points == 70
    assert criterion(r, "2.3").attainable_max == 60
    assert r.overall_level == 3


class TestMandatoryI6:
    def test_unmet_forces_level_1_but_keeps_points(self, run):
        r = run({**FULL, "1.2": {"met": False}})
        g = group(r, "1")
        assert (g.points, g.points_level, g.level) == (100, 3, 1)
        assert g.unmet_mandatory == ["1.2"]
        assert g.why.rule == "mandatory_unmet"
        assert g.why.interpretation == "I-6"
        assert group(r, "2").level == 3
        assert r.overall_level == 1  # I-8: the lower of the groups, derived

    def test_missing_fact_means_not_met(self, run):
        facts = {k: v for k, v in FULL.items() if k != "2.1"}
        g = group(run(facts), "2")
        assert g.level == 1
        assert criterion(run(facts), "2.1").why.rule == "mandatory.missing"
