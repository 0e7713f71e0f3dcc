"""For one item, the least change of its fact that reaches each higher cap (the raw material of the
next-level search). Each candidate is found from the item's own rule, never guessed: the smallest
count or numerator inside the band, the fewest lab computers that derive the level, the option.

A cap here is the item's "natural" cap: what its fact is worth once its requirements are deployed
(the search decides the requirements separately)."""

from __future__ import annotations

from dataclasses import replace

from services.scoring.engine.compiled import CItem, Range
from services.scoring.engine.facts import (
    Choice,
    Count,
    Deployed,
    Fact,
    LevelOverride,
    Measure,
    Ratio,
    ScoreInput,
)
from services.scoring.engine.score import _cap, _informatics

# the reason written into a level the school sets itself as a target (the vocabulary needs one)
TARGET_REASON = "Mục tiêu cải thiện / improvement target"


def natural_cap(it: CItem, fact: Fact | None, inp: ScoreInput) -> int:
    """The cap the fact gives once the item's requirements are deployed."""
    free = replace(it, requires=()) if it.requires else it
    return _cap(free, fact, inp, {})[0]


def _least_count(rg: Range) -> int | None:
    """The smallest integer in the range (counts are ≥ 0)."""
    if rg.lo_n is None:
        n = 0
    else:
        n = max(0, -(-rg.lo_n // rg.lo_d))
        if not rg.lo_incl and n * rg.lo_d == rg.lo_n:
            n += 1
    return n if rg.has_ratio(n, 1) else None


def _least_numerator(rg: Range, d: int) -> int | None:
    """The smallest n ≤ d with 100·n/d in the range (exact, I-1)."""
    if rg.lo_n is None:
        n = 0
    else:
        n = max(0, -(-(rg.lo_n * d) // (100 * rg.lo_d)))
        if not rg.has_ratio(100 * n, d):
            n += 1
    return n if n <= d and rg.has_ratio(100 * n, d) else None


def _keep_least(found: dict[int, Fact], cap: int, fact: Fact) -> None:
    found.setdefault(cap, fact)


def _banded(it: CItem, fact: Fact | None, base: int) -> dict[int, Fact]:
    found: dict[int, Fact] = {}
    for rg, pts in it.bands:
        if pts <= base:
            continue
        if it.rule == "count_band":
            n = _least_count(rg)
            if n is not None:
                _keep_least(found, pts, Count(n))
        else:
            # the school's own denominator when it declared one; else a percentage of 100
            d = fact.denominator if isinstance(fact, Ratio) else 100
            num = _least_numerator(rg, d)
            if num is not None:
                _keep_least(found, pts, Ratio(num, d))
    return found


def _computer_counts(it: CItem, m: Measure) -> list[int]:
    """The computer counts at which students per computer, ceil(size / computers), falls to a band's
    upper end: only there can the derived level change (so the class size never bounds the work)."""
    out: set[int] = set()
    for bands in (it.derive or {}).values():
        for lb in bands:
            rg = lb.range
            if rg.hi_n is None:
                continue
            h = rg.hi_n // rg.hi_d if rg.hi_incl else -(-rg.hi_n // rg.hi_d) - 1
            if h >= 1:
                out.add(-(-m.class_size // h))
    return sorted(c for c in out if c > m.lab_computers)


def _levelled(it: CItem, fact: Fact | None, inp: ScoreInput, base: int) -> dict[int, Fact]:
    found: dict[int, Fact] = {}
    if isinstance(fact, Measure):
        # the fewest working computers that derive each better level, class size unchanged (I-5)
        for comps in _computer_counts(it, fact):
            level, _ = _informatics(it, Measure(fact.class_size, comps), inp.school_levels)
            pts = it.level_points.get(level) if level is not None else None
            if pts is not None and pts > base:
                _keep_least(found, pts, Measure(fact.class_size, comps))
        return found
    for lv, pts in sorted(it.level_points.items()):
        if pts > base:
            _keep_least(found, pts, LevelOverride(lv, TARGET_REASON))
    return found


def candidates(it: CItem, fact: Fact | None, inp: ScoreInput) -> list[tuple[Fact, int]]:
    """(fact, natural cap) for each cap above the current one, lowest cap first."""
    base = natural_cap(it, fact, inp)
    found: dict[int, Fact] = {}
    if it.rule == "fixed":
        if it.fixed > base:
            found[it.fixed] = Deployed(True)
    elif it.rule in ("count_band", "percent_band"):
        found = _banded(it, fact, base)
    elif it.rule == "level":
        found = _levelled(it, fact, inp, base)
    elif it.rule == "choice":
        for mode, pts in sorted(it.options.items(), key=lambda kv: kv[1]):
            if pts > base:
                _keep_least(found, pts, Choice(mode))
    return sorted(((f, c) for c, f in found.items()), key=lambda fc: fc[1])
