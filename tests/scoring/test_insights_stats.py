"""Median/MAD outliers, worked by hand."""

from __future__ import annotations

from decimal import Decimal

from services.scoring.insights.stats import median, outliers, robust_z


def test_median_odd_and_even() -> None:
    assert median([Decimal(3), Decimal(1), Decimal(2)]) == Decimal(2)
    assert median([Decimal(4), Decimal(1), Decimal(2), Decimal(3)]) == Decimal("2.5")


def test_mad_flags_the_generous_school() -> None:
    """Differences 0, 1, 2, 2, 3, 30: median 2; deviations 2, 1, 0, 0, 1, 28 → MAD 1;
    z(30) = 0.6745 · 28 / 1 = 18.886 > 3.5; z(0) = −1.349, not flagged."""
    xs = [Decimal(0), Decimal(1), Decimal(2), Decimal(2), Decimal(3), Decimal(30)]
    assert outliers(xs) == [(5, Decimal("18.8860"))]
    assert robust_z(xs)[0] == Decimal("-1.3490")


def test_mad_zero_falls_back_to_mean_absolute_deviation() -> None:
    """0, 0, 0, 0, 10: median 0, MAD 0; MeanAD = 2; z(10) = 10 / (1.253314 · 2) = 3.989 > 3.5."""
    (hit,) = outliers([Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(10)])
    assert hit[0] == 4
    assert round(hit[1], 3) == Decimal("3.989")


def test_all_equal_has_no_outlier() -> None:
    assert outliers([Decimal(5)] * 4) == []
    assert robust_z([Decimal(5)] * 4) == [None] * 4
