"""Every band edge of every item, each tied to the Decision's wording (appendix of 4725/QĐ-BGDĐT)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.scoring.conftest import item


class TestCountBand141:
    """1.4.1 "Ít hơn 20 học liệu: tối đa 3 điểm. Ít hơn 40 học liệu: tối đa 6 điểm.
    Nhiều hơn 40 học liệu: tối đa 10 điểm" — exactly 40 gets the top band (I-3)."""

    @pytest.mark.parametrize(
        ("count", "cap", "band"),
        [
            (0, 0, "[0, 0]"),
            (1, 3, "[1, 20)"),
            (19, 3, "[1, 20)"),
            (20, 6, "[20, 40)"),
            (39, 6, "[20, 40)"),
            (40, 10, "[40, inf)"),
            (41, 10, "[40, inf)"),
            (5000, 10, "[40, inf)"),
        ],
    )
    def test_band(self, run, count, cap, band):
        r = item(run({"1.4.1": {"count": count}}), "1.4.1")
        assert r.cap == Decimal(cap)
        assert r.points == Decimal(cap)
        assert r.why.band == band
        assert r.why.interpretation == "I-3"


class TestPercentBands16:
    """1.6.x "<30%: tối đa 2 điểm; 30%-60%: tối đa 4 điểm; >60%: tối đa 7 điểm" (1.6.3: 6) — I-1."""

    @pytest.mark.parametrize(
        ("num", "den", "cap"),
        [
            (0, 50, 0),  # 0% → 0 (DESIGN)
            (1, 1000, 2),
            (299, 1000, 2),
            (3, 10, 4),  # exactly 30% is in "30%-60%"
            (1, 3, 4),
            (6, 10, 4),  # 6/10 is exactly 60%: still in "30%-60%"
            (600, 1000, 4),
            (601, 1000, 7),  # just above 60%
            (2, 3, 7),
            (50, 50, 7),
        ],
    )
    @pytest.mark.parametrize("code", ["1.6.1", "1.6.2"])
    def test_seven_point_items(self, run, code, num, den, cap):
        r = item(run({code: {"numerator": num, "denominator": den}}), code)
        assert r.cap == Decimal(cap)
        assert r.why.interpretation == "I-1" or cap == 0

    @pytest.mark.parametrize(
        ("num", "den", "cap"), [(0, 9, 0), (29, 100, 2), (30, 100, 4), (60, 100, 4), (61, 100, 6)]
    )
    def test_163_tops_at_six(self, run, num, den, cap):
        assert item(run({"1.6.3": {"numerator": num, "denominator": den}}), "1.6.3").cap == Decimal(cap)

    def test_exactness_without_floats(self, run):
        # 0.1 + 0.2 style traps: 3/10 and 7/10 of large denominators stay exact
        assert item(run({"1.6.1": {"numerator": 30_000_003, "denominator": 100_000_010}}), "1.6.1").cap == 4
        assert item(run({"1.6.1": {"numerator": 60_000_006, "denominator": 100_000_010}}), "1.6.1").cap == 4
        assert item(run({"1.6.1": {"numerator": 60_000_007, "denominator": 100_000_010}}), "1.6.1").cap == 7

    def test_explains_value(self, run):
        r = item(run({"1.6.1": {"numerator": 6, "denominator": 10}}), "1.6.1")
        assert r.why.value == "6/10 = 60%"
        assert r.why.band == "[30, 60]"


class TestPercentBand171:
    """1.7.1 "<20%: tối đa 2 điểm; 20%-60%: tối đa 5 điểm; >60%: tối đa 8 điểm"."""

    @pytest.mark.parametrize(
        ("num", "den", "cap"),
        [(0, 24, 0), (1, 24, 2), (19, 100, 2), (1, 5, 5), (3, 5, 5), (61, 100, 8), (24, 24, 8)],
    )
    def test_band(self, run, num, den, cap):
        assert item(run({"1.7.1": {"numerator": num, "denominator": den}}), "1.7.1").cap == Decimal(cap)


class TestInformatics172:
    """1.7.2 "Mức độ 1: tối đa 2 điểm; Mức độ 2: tối đa 5 điểm; Mức độ 3: tối đa 7 điểm", level from
    footnote 1 by students per computer = ceil(class size / computers) (I-5)."""

    @pytest.mark.parametrize(
        ("levels", "class_size", "computers", "cap"),
        [
            (["TH"], 45, 11, 2),  # ceil(4.09) = 5 > 3 → level 1
            (["TH"], 45, 12, 2),  # ceil(3.75) = 4 > 3 → level 1
            (["TH"], 45, 15, 5),  # 3 → level 2 ("2-3 học sinh")
            (["TH"], 45, 23, 5),  # ceil(1.96) = 2 → level 2
            (["TH"], 45, 45, 7),  # 1 → level 3
            (["THCS"], 40, 13, 2),  # ceil(3.08) = 4 > 2 → level 1
            (["THCS"], 40, 14, 2),  # ceil(2.86) = 3 > 2 → level 1
            (["THCS"], 40, 20, 5),  # 2 → level 2
            (["THCS"], 40, 40, 7),  # 1 → level 3
            (["THPT"], 40, 20, 2),  # 2 > 1 → level 1
            (["THPT"], 40, 39, 2),  # ceil(1.03) = 2 → level 1
            (["THPT"], 40, 40, 7),  # 1 → level 3 (footnote cannot give level 2)
            (["GDTX"], 30, 30, 7),
            (["GDTX"], 30, 29, 2),
            (["TH", "THPT"], 40, 20, 2),  # TH level 2, THPT level 1: strictest
            (["TH", "THCS"], 40, 20, 5),  # both level 2
            (["TH"], 40, 0, 2),  # no working computer: level 1
        ],
    )
    def test_derived(self, run, levels, class_size, computers, cap):
        r = item(
            run({"1.7.2": {"class_size": class_size, "lab_computers": computers}}, levels=levels), "1.7.2"
        )
        assert r.cap == Decimal(cap)
        assert r.why.interpretation == "I-5"

    def test_assessor_override_with_reason(self, run):
        r = item(run({"1.7.2": {"level": 2, "reason": "phòng máy mới"}}), "1.7.2")
        assert r.cap == 5
        assert r.why.rule == "level.override"
        assert r.why.detail == "phòng máy mới"


class TestChoice233:
    """2.3.3 "File PDF: tối đa 3 điểm; Áp dụng chứng thư số: tối đa 10 điểm": the higher, not both (I-7)."""

    @pytest.mark.parametrize(("mode", "cap"), [("none", 0), ("pdf", 3), ("digital_signature", 10)])
    def test_option(self, run, mode, cap):
        r = item(run({"sms": {"deployed": True}, "2.3.3": {"mode": mode}}), "2.3.3")
        assert r.cap == cap


class TestFixedAndDependencies:
    @pytest.mark.parametrize(
        ("code", "cap"),
        [("1.3.1", 6), ("1.5.1", 15), ("1.7.3", 5), ("2.4.1", 8), ("2.4.2", 12), ("2.4.3", 10)],
    )
    def test_fixed_caps(self, run, code, cap):
        assert item(run({code: {"deployed": True}}), code).cap == cap
        assert item(run({code: {"deployed": False}}), code).cap == 0
        assert item(run({}), code).why.rule == "no_fact"

    @pytest.mark.parametrize("code", ["1.3.2", "1.3.3", "1.3.4", "1.3.5"])
    def test_lms_functions_need_an_lms(self, run, code):
        assert item(run({code: {"deployed": True}}), code).cap == 0
        assert item(run({"lms": {"deployed": False}, code: {"deployed": True}}), code).why.detail == "lms"
        assert item(run({"lms": {"deployed": True}, code: {"deployed": True}}), code).cap == 6

    def test_152_needs_151(self, run):
        assert item(run({"1.5.2": {"deployed": True}}), "1.5.2").cap == 0
        assert item(run({"1.5.1": {"deployed": True}, "1.5.2": {"deployed": True}}), "1.5.2").cap == 0
        both = {"1.5.1": {"deployed": True}, "1.5.2": {"deployed": True}, "sms": {"deployed": True}}
        assert item(run(both), "1.5.2").cap == 5  # I-7: it exchanges results with the management system

    @pytest.mark.parametrize(
        ("code", "cap"),
        [("2.3.1", 6), ("2.3.2", 6), ("2.3.4", 6), ("2.3.5", 10), ("2.3.6", 10), ("2.3.7", 6), ("2.3.8", 6)],
    )
    def test_management_modules_need_a_system(self, run, code, cap):
        assert item(run({code: {"deployed": True}}), code).cap == 0
        assert item(run({"sms": {"deployed": True}, code: {"deployed": True}}), code).cap == cap


class TestAwarded:
    def test_default_is_the_cap(self, run):
        r = item(run({"1.3.1": {"deployed": True}}), "1.3.1")
        assert (r.points, r.awarded) == (6, False)

    def test_less_needs_no_reason(self, run):
        r = item(run({"1.3.1": {"deployed": True}}, awarded={"1.3.1": "4.25"}), "1.3.1")
        assert (r.points, r.awarded) == (Decimal("4.25"), True)

    def test_above_cap_is_a_violation_and_never_counted(self, run):
        res = run({"1.3.1": {"deployed": True}}, awarded={"1.3.1": 6.5})
        assert [(v.pointer, v.code) for v in res.violations] == [("/awarded/1.3.1", "awarded_above_cap")]
        assert item(res, "1.3.1").points == 6

    def test_award_on_zero_cap(self, run):
        res = run({}, awarded={"1.5.2": 1})
        assert res.violations[0].cap == 0
