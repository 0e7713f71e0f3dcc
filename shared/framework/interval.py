"""Intervals written as in mathematics, so every boundary's inclusion is explicit in the data.

`"[30, 60]"` is 30 ≤ x ≤ 60; `"(60, 100]"` is 60 < x ≤ 100; `"[0, 10)"` is 0 ≤ x < 10;
`"(20, inf)"` is x > 20. Bounds are exact decimals; comparisons use Fraction, never floats.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_RE = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^,\s]+)\s*([\])])\s*$")
_INF = {"inf", "+inf", "∞"}
_NINF = {"-inf", "-∞"}


@dataclass(frozen=True, slots=True)
class Interval:
    lo: Fraction | None  # None: unbounded below
    lo_incl: bool
    hi: Fraction | None  # None: unbounded above
    hi_incl: bool

    @classmethod
    def parse(cls, text: str) -> Interval:
        m = _RE.match(text)
        if not m:
            raise ValueError(f"not an interval: {text!r} (write e.g. '[30, 60]' or '(60, inf)')")
        lb, lo_s, hi_s, rb = m.groups()
        lo = None if lo_s in _NINF else _num(lo_s)
        hi = None if hi_s in _INF else _num(hi_s)
        if (lo is None and lb == "[") or (hi is None and rb == "]"):
            raise ValueError(f"an infinite bound is always open: {text!r}")
        if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lb == "[" and rb == "]"))):
            raise ValueError(f"empty interval: {text!r}")
        return cls(lo, lb == "[", hi, rb == "]")

    def __contains__(self, x: Fraction | int | Decimal) -> bool:
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_incl)):
            return False
        return not (self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_incl)))

    def __str__(self) -> str:
        lo = "-inf" if self.lo is None else _fmt(self.lo)
        hi = "inf" if self.hi is None else _fmt(self.hi)
        return f"{'[' if self.lo_incl else '('}{lo}, {hi}{']' if self.hi_incl else ')'}"


def _num(s: str) -> Fraction:
    try:
        return Fraction(Decimal(s))
    except (InvalidOperation, ValueError) as e:
        raise ValueError(f"not a number: {s!r}") from e


def _fmt(f: Fraction) -> str:
    if f.denominator == 1:
        return str(f.numerator)
    return str(Decimal(f.numerator) / Decimal(f.denominator))


def _coerce(v: Any) -> Interval:
    if isinstance(v, Interval):
        return v
    if isinstance(v, str):
        return Interval.parse(v)
    raise ValueError("an interval is written as a string such as '[30, 60]'")


IntervalField = Annotated[
    Interval,
    BeforeValidator(_coerce),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["[30, 60]", "(60, 100]", "(20, inf)"]}),
]


def _holds_integer(lo: Fraction, lo_incl: bool, hi: Fraction | None, hi_incl: bool) -> bool:
    first = math.ceil(lo)
    if first == lo and not lo_incl:
        first += 1
    return hi is None or first < hi or (first == hi and hi_incl)


def gaps_and_overlaps(
    parts: list[Interval], lo: Fraction, hi: Fraction | None, *, integers: bool = False
) -> list[str]:
    """Where `parts` fail to partition [lo, hi] (hi None: [lo, inf)): gaps and overlaps, in words.

    With `integers`, the measure only takes whole values, so a gap holding no integer is no gap.
    """
    problems: list[str] = []
    ordered = sorted(parts, key=lambda i: (i.lo if i.lo is not None else Fraction(-(10**12)), not i.lo_incl))
    # cursor: everything below (cur, cur_incl-covered) is covered
    cur, covered_cur = lo, False
    for iv in ordered:
        ilo = iv.lo if iv.lo is not None else lo
        if ilo > cur or (ilo == cur and not covered_cur and not iv.lo_incl):
            gap_hi_incl = not iv.lo_incl
            if integers and not _holds_integer(cur, not covered_cur, ilo, gap_hi_incl):
                cur, covered_cur = (iv.hi, iv.hi_incl) if iv.hi is not None else (cur, covered_cur)
                if iv.hi is None:
                    return problems
                continue
            problems.append(
                f"gap {'(' if covered_cur else '['}{_fmt(cur)}, {_fmt(ilo)}{']' if gap_hi_incl else ')'}"
            )
        elif ilo < cur or (ilo == cur and covered_cur and iv.lo_incl):
            problems.append(f"overlap at {_fmt(ilo)} ({iv})")
        if iv.hi is None:
            return problems
        cur, covered_cur = iv.hi, iv.hi_incl
    if hi is None:
        problems.append(f"gap from {_fmt(cur)} upwards")
    elif (cur < hi or (cur == hi and not covered_cur)) and (
        not integers or _holds_integer(cur, not covered_cur, hi, True)
    ):
        problems.append(f"gap {'(' if covered_cur else '['}{_fmt(cur)}, {_fmt(hi)}]")
    return problems
