"""Robust statistics for flagging outliers, exact in Decimal.

The modified z-score of Iglewicz and Hoaglin: z = 0.6745 · (x − median) / MAD, where MAD is the
median of |x − median|; |z| > 3.5 flags an outlier. When more than half the values are equal the
MAD is 0, and the mean absolute deviation stands in for it (z = (x − median) / (1.253314 · MeanAD)),
as IBM SPSS and the NIST handbook do; when that is 0 too, every value is the median and none is an
outlier. The median and the MAD are computed here, not in SQL, because SQLite has no percentile
function; every other figure of the comparison is aggregated in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

Z_CUT = Decimal("3.5")
_K_MAD = Decimal("0.6745")
_K_MEAN = Decimal("1.253314")


def median(xs: Sequence[Decimal]) -> Decimal:
    s = sorted(xs)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def robust_z(xs: Sequence[Decimal]) -> list[Decimal | None]:
    """The modified z-score of each value (None when every value equals the median)."""
    if not xs:
        return []
    med = median(xs)
    dev = [abs(x - med) for x in xs]
    mad = median(dev)
    if mad != 0:
        return [_K_MAD * (x - med) / mad for x in xs]
    mean_ad = sum(dev, Decimal(0)) / len(dev)
    if mean_ad == 0:
        return [None for _ in xs]
    return [(x - med) / (_K_MEAN * mean_ad) for x in xs]


def outliers(xs: Sequence[Decimal]) -> list[tuple[int, Decimal]]:
    """(index, z) of each value whose |z| exceeds 3.5."""
    return [(i, z) for i, z in enumerate(robust_z(xs)) if z is not None and abs(z) > Z_CUT]
