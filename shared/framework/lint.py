"""The framework linter: structural checks a schema cannot express. It reports; it never edits.

Findings are `error` (the document cannot score correctly: a gap in a band, a cycle) or
`warning` (the document scores, but says something a reader should know, e.g. I-4: a declared
maximum the items cannot reach).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from shared.framework.interval import Interval, gaps_and_overlaps
from shared.framework.model import (
    Band,
    ChoiceCap,
    CountBandCap,
    CriterionKind,
    FixedCap,
    Framework,
    Item,
    LevelCap,
    PercentBandCap,
)


@dataclass(frozen=True)
class Finding:
    severity: Literal["error", "warning"]
    code: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: [{self.code}] {self.message}"


def item_max(item: Item) -> Decimal:
    cap = item.cap
    if isinstance(cap, FixedCap):
        return cap.points
    if isinstance(cap, CountBandCap | PercentBandCap):
        return max(b.points for b in cap.bands)
    if isinstance(cap, LevelCap):
        return max(cap.points.values())
    assert isinstance(cap, ChoiceCap)
    return max(cap.options.values())


def _bands(
    where: str, bands: list[Band], lo: Fraction, hi: Fraction | None, *, integers: bool = False
) -> list[Finding]:
    ranges = [b.range for b in bands]
    out = [
        Finding("error", "band_coverage", where, p)
        for p in gaps_and_overlaps(ranges, lo, hi, integers=integers)
    ]
    ordered = sorted(bands, key=lambda b: b.range.lo if b.range.lo is not None else Fraction(-1))
    for a, b in itertools.pairwise(ordered):
        if b.points < a.points:
            out.append(
                Finding("warning", "band_not_monotonic", where, f"{b.range} scores less than {a.range}")
            )
    return out


def _levels(
    where: str, ranges: list[Interval], hi: Fraction | None, *, integers: bool = False
) -> list[Finding]:
    return [
        Finding("error", "level_coverage", where, p)
        for p in gaps_and_overlaps(ranges, Fraction(0), hi, integers=integers)
    ]


def lint(fw: Framework) -> list[Finding]:
    out: list[Finding] = []
    interp_ids = {i.id for i in fw.interpretations}
    cited = (
        {i for g in fw.groups for i in g.interpretations}
        | {i for c in fw.criteria() for i in c.interpretations}
        | {i for it in fw.items() for i in it.interpretations}
    )
    out += [
        Finding("warning", "interpretation_unused", i, "declared but cited by no criterion or item")
        for i in sorted(interp_ids - cited)
    ]
    for g in fw.groups:
        attainable_g = Decimal(0)
        declared_g = Decimal(0)
        for c in g.criteria:
            if c.kind is CriterionKind.MANDATORY:
                continue
            assert c.max_points is not None
            declared_g += c.max_points
            attainable = sum((item_max(i) for i in c.items), Decimal(0))
            attainable_g += min(attainable, c.max_points)
            if attainable < c.max_points:
                out.append(
                    Finding(
                        "warning",
                        "criterion_unreachable_max",
                        c.code,
                        f"declares {c.max_points} points but its items reach {attainable}",
                    )
                )
            elif attainable > c.max_points:
                out.append(
                    Finding(
                        "warning",
                        "criterion_items_exceed_max",
                        c.code,
                        f"items reach {attainable}, above the declared {c.max_points}; points are capped",
                    )
                )
            out += _levels(c.code, [lb.range for lb in c.levels], None)
            for it in c.items:
                out += _lint_item(fw, it)
        if declared_g != g.max_points:
            out.append(
                Finding(
                    "warning",
                    "group_declared_mismatch",
                    g.code,
                    f"criteria declare {declared_g} points, the group {g.max_points}",
                )
            )
        if attainable_g < g.max_points:
            out.append(
                Finding(
                    "warning",
                    "group_unreachable_max",
                    g.code,
                    f"group declares {g.max_points} points but can reach at most {attainable_g}",
                )
            )
        out += _levels(g.code, [lb.range for lb in g.levels], None)
    out += _cycles(fw)
    return out


def _lint_item(fw: Framework, it: Item) -> list[Finding]:
    cap = it.cap
    if isinstance(cap, CountBandCap):
        return _bands(it.code, cap.bands, Fraction(0), None, integers=True)
    if isinstance(cap, PercentBandCap):
        return _bands(it.code, cap.bands, Fraction(0), Fraction(100))
    if isinstance(cap, LevelCap):
        out: list[Finding] = []
        if cap.derive is not None:
            for sl, bands in cap.derive.by_school_level.items():
                # students per computer is ceil(class size / computers): a whole number
                out += _levels(f"{it.code}[{sl.value}]", [b.range for b in bands], None, integers=True)
                for b in bands:
                    if b.level not in cap.points:
                        out.append(Finding("error", "level_without_points", it.code, f"level {b.level}"))
        return out
    return []


def _cycles(fw: Framework) -> list[Finding]:
    deps = {i.code: [r for r in i.requires if "." in r] for i in fw.items()}
    out: list[Finding] = []
    state: dict[str, int] = {}

    def visit(code: str, path: list[str]) -> None:
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            out.append(Finding("error", "dependency_cycle", code, " → ".join([*path, code])))
            return
        state[code] = 1
        for d in deps.get(code, []):
            visit(d, [*path, code])
        state[code] = 2

    for code in deps:
        visit(code, [])
    return out
