"""A framework prepared for scoring: items in dependency order, bands as tuples, maxima summed once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from shared.contracts import SchoolLevel
from shared.framework.interval import Interval
from shared.framework.lint import item_max
from shared.framework.model import (
    ChoiceCap,
    CountBandCap,
    CriterionKind,
    FixedCap,
    Framework,
    Item,
    LevelBand,
    LevelCap,
    PercentBandCap,
)

ZERO = Decimal(0)


def cents(d: Decimal) -> int:
    """Points in integer hundredths; the format allows at most two decimals (`Points`)."""
    return int(d * 100)


@dataclass(frozen=True, slots=True)
class Range:
    """An interval compiled for the hot path: rational bounds as integer pairs, so that a ratio
    n/d is placed by cross-multiplication (exact, no Fraction objects), Decimal bounds for points,
    and the text the document wrote, for `Why`."""

    text: str
    lo_n: int | None
    lo_d: int
    lo_incl: bool
    hi_n: int | None
    hi_d: int
    hi_incl: bool
    lo_dec: Decimal | None
    hi_dec: Decimal | None

    @classmethod
    def of(cls, iv: Interval) -> Range:
        def dec(f: Fraction | None) -> Decimal | None:
            return None if f is None else Decimal(f.numerator) / Decimal(f.denominator)

        return cls(
            str(iv),
            None if iv.lo is None else iv.lo.numerator,
            1 if iv.lo is None else iv.lo.denominator,
            iv.lo_incl,
            None if iv.hi is None else iv.hi.numerator,
            1 if iv.hi is None else iv.hi.denominator,
            iv.hi_incl,
            dec(iv.lo),
            dec(iv.hi),
        )

    def has_ratio(self, n: int, d: int) -> bool:
        """n/d in the interval, for d > 0."""
        if self.lo_n is not None:
            a, b = n * self.lo_d, self.lo_n * d
            if a < b or (a == b and not self.lo_incl):
                return False
        if self.hi_n is not None:
            a, b = n * self.hi_d, self.hi_n * d
            if a > b or (a == b and not self.hi_incl):
                return False
        return True

    def has_decimal(self, x: Decimal) -> bool:
        lo, hi = self.lo_dec, self.hi_dec
        if lo is not None and (x < lo or (x == lo and not self.lo_incl)):
            return False
        return not (hi is not None and (x > hi or (x == hi and not self.hi_incl)))


@dataclass(frozen=True, slots=True)
class CLevel:
    level: int
    range: Range


@dataclass(frozen=True, slots=True)
class CItem:
    code: str
    rule: str  # fixed | count_band | percent_band | level | choice
    requires: tuple[str, ...]
    fixed: int
    bands: tuple[tuple[Range, int], ...]
    level_points: dict[int, int]
    derive: dict[SchoolLevel, tuple[CLevel, ...]] | None
    options: dict[str, int]
    max_c: int
    interpretation: str | None


@dataclass(frozen=True, slots=True)
class CCriterion:
    code: str
    mandatory: bool
    max_c: int | None
    attainable_c: int | None
    levels: tuple[CLevel, ...]
    items: tuple[CItem, ...]


@dataclass(frozen=True, slots=True)
class CGroup:
    code: str
    max_c: int
    attainable_c: int
    levels: tuple[CLevel, ...]
    criteria: tuple[CCriterion, ...]
    lowest_level: int


@dataclass(frozen=True, slots=True)
class CompiledFramework:
    ref: str
    framework: Framework
    groups: tuple[CGroup, ...]
    order: tuple[CItem, ...]  # every item, each after the items it requires
    items: dict[str, CItem]
    mandatory_codes: frozenset[str]
    context_codes: frozenset[str]
    strict_mandatory: bool
    overall: bool


def _levels(bands: list[LevelBand]) -> tuple[CLevel, ...]:
    return tuple(CLevel(b.level, Range.of(b.range)) for b in bands)


def _citem(item: Item) -> CItem:
    cap = item.cap
    fixed = 0
    bands: tuple[tuple[Range, int], ...] = ()
    level_points: dict[int, int] = {}
    derive: dict[SchoolLevel, tuple[CLevel, ...]] | None = None
    options: dict[str, int] = {}
    if isinstance(cap, FixedCap):
        fixed = cents(cap.points)
    elif isinstance(cap, CountBandCap | PercentBandCap):
        bands = tuple((Range.of(b.range), cents(b.points)) for b in cap.bands)
    elif isinstance(cap, LevelCap):
        level_points = {k: cents(v) for k, v in cap.points.items()}
        if cap.derive is not None:
            derive = {sl: _levels(bs) for sl, bs in cap.derive.by_school_level.items()}
    elif isinstance(cap, ChoiceCap):
        options = {k: cents(v) for k, v in cap.options.items()}
    interp = next((i for i in item.interpretations if i in {"I-1", "I-3", "I-5"}), None)
    return CItem(
        code=item.code,
        rule=cap.rule,
        requires=tuple(item.requires),
        fixed=fixed,
        bands=bands,
        level_points=level_points,
        derive=derive,
        options=options,
        max_c=cents(item_max(item)),
        interpretation=interp,
    )


def _dependency_order(items: list[CItem]) -> tuple[CItem, ...]:
    by_code = {i.code: i for i in items}
    done: dict[str, CItem] = {}

    def visit(i: CItem, depth: int = 0) -> None:
        if i.code in done or depth > len(items):  # a cycle is the linter's error; never loop here
            return
        for r in i.requires:
            if r in by_code:
                visit(by_code[r], depth + 1)
        done[i.code] = i

    for i in items:
        visit(i)
    return tuple(done.values())


def compile_framework(fw: Framework) -> CompiledFramework:
    groups: list[CGroup] = []
    all_items: list[CItem] = []
    for g in fw.groups:
        crits: list[CCriterion] = []
        g_att = 0
        for c in g.criteria:
            items = tuple(_citem(i) for i in c.items)
            all_items += items
            att: int | None = None
            if c.kind is CriterionKind.SCORED:
                assert c.max_points is not None
                att = min(sum(i.max_c for i in items), cents(c.max_points))
                g_att += att
            crits.append(
                CCriterion(
                    code=c.code,
                    mandatory=c.kind is CriterionKind.MANDATORY,
                    max_c=None if c.max_points is None else cents(c.max_points),
                    attainable_c=att,
                    levels=_levels(c.levels),
                    items=items,
                )
            )
        groups.append(
            CGroup(
                code=g.code,
                max_c=cents(g.max_points),
                attainable_c=min(g_att, cents(g.max_points)),
                levels=_levels(g.levels),
                criteria=tuple(crits),
                lowest_level=min(lb.level for lb in g.levels),
            )
        )
    return CompiledFramework(
        ref=fw.ref,
        framework=fw,
        groups=tuple(groups),
        order=_dependency_order(all_items),
        items={i.code: i for i in all_items},
        mandatory_codes=frozenset(c.code for c in fw.criteria() if c.kind is CriterionKind.MANDATORY),
        context_codes=frozenset(f.code for f in fw.context_facts),
        strict_mandatory=fw.policies.mandatory_failure == "strict",
        overall=fw.policies.overall_level == "lower_of_groups",
    )
