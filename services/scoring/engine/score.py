"""score(): the whole breakdown for one school. Pure and total: any well-typed input gives a result.

Every cap traces to a rule of the document (fixed, count band, percentage band, level, choice) and
every level to a threshold interval; `Why` records which one and, where an interpretation decided
it, which (I-1 … I-8). Points are summed in integer hundredths (see `result`), exactly.
"""

from __future__ import annotations

from decimal import Decimal

from services.scoring.engine.compiled import CCriterion, CGroup, CItem, CLevel, CompiledFramework, Range
from services.scoring.engine.facts import (
    Choice,
    Count,
    Deployed,
    Fact,
    LevelOverride,
    Mandatory,
    Measure,
    Ratio,
    ScoreInput,
)
from services.scoring.engine.result import (
    CriterionResult,
    GroupResult,
    ItemResult,
    ScoreResult,
    Violation,
    Why,
    cents_text,
    dec,
)
from shared.contracts import SchoolLevel

_NO_FACT = Why("no_fact")
_DEPLOYED = Why("fixed.deployed")
_NOT_DEPLOYED = Why("fixed.not_deployed")
_WRONG_SHAPE = Why("wrong_shape")
_MET = Why("mandatory.met", interpretation="I-6")
_NOT_MET = Why("mandatory.not_met", interpretation="I-6")
_MISSING = Why("mandatory.missing", interpretation="I-6")
_CENT = Decimal("0.01")


def _fmt_ratio(n: int, d: int) -> str:
    q, r = divmod(100 * n, d)
    if r == 0:
        return f"{n}/{d} = {q}%"
    return f"{n}/{d} ≈ {(Decimal(100 * n) / Decimal(d)).quantize(_CENT)}%"


def _in_band(bands: tuple[tuple[Range, int], ...], n: int, d: int) -> tuple[Range, int] | None:
    for rg, pts in bands:
        if rg.has_ratio(n, d):
            return rg, pts
    return None


def _level_of(levels: tuple[CLevel, ...], c: int) -> CLevel | None:
    """The level band holding `c` hundredths of a point."""
    for lb in levels:
        if lb.range.has_ratio(c, 100):
            return lb
    return None


def _level_of_count(levels: tuple[CLevel, ...], x: int | None) -> CLevel | None:
    for lb in levels:
        if x is None:
            if lb.range.hi_n is None:  # no working computers at all: the open-ended band
                return lb
        elif lb.range.has_ratio(x, 1):
            return lb
    return None


def _informatics(it: CItem, m: Measure, school_levels: frozenset[SchoolLevel]) -> tuple[int | None, str]:
    # students sharing one computer = ceil(class size / working computers) (I-5)
    spc = None if m.lab_computers == 0 else -(-m.class_size // m.lab_computers)
    found: list[tuple[int, SchoolLevel]] = []
    for sl in sorted(school_levels):
        bands = (it.derive or {}).get(sl)
        if bands is None:
            continue
        lb = _level_of_count(bands, spc)
        if lb is not None:
            found.append((lb.level, sl))
    value = "∞" if spc is None else str(spc)
    if not found:
        return None, value
    level, sl = min(found)  # a multi-level school is judged by its strictest level (I-5)
    return level, f"{value} ({sl.value})"


def _requirement_unmet(it: CItem, inp: ScoreInput, caps: dict[str, int]) -> str | None:
    for r in it.requires:
        if r in caps:
            if caps[r] <= 0:
                return r
        else:
            ctx = inp.facts.get(r)
            if not (isinstance(ctx, Deployed) and ctx.deployed):
                return r
    return None


def _cap(it: CItem, fact: Fact | None, inp: ScoreInput, caps: dict[str, int]) -> tuple[int, Why]:
    if it.requires:
        missing = _requirement_unmet(it, inp, caps)
        if missing is not None:
            return 0, Why("requires", detail=missing, interpretation="I-7")
    if fact is None:
        return 0, _NO_FACT
    rule = it.rule
    if rule == "fixed":
        if isinstance(fact, Deployed):
            return (it.fixed, _DEPLOYED) if fact.deployed else (0, _NOT_DEPLOYED)
    elif rule == "count_band":
        if isinstance(fact, Count):
            hit = _in_band(it.bands, fact.count, 1)
            if hit is None:
                return 0, Why("no_band", value=str(fact.count))
            return hit[1], Why("count_band", hit[0].text, str(fact.count), it.interpretation)
    elif rule == "percent_band":
        if isinstance(fact, Ratio):
            # the percentage 100·n/d placed exactly: 6/10 is exactly 60% (I-1)
            hit = _in_band(it.bands, 100 * fact.numerator, fact.denominator)
            shown = _fmt_ratio(fact.numerator, fact.denominator)
            if hit is None:
                return 0, Why("no_band", value=shown)
            return hit[1], Why("percent_band", hit[0].text, shown, it.interpretation)
    elif rule == "level":
        if isinstance(fact, LevelOverride):
            pts = it.level_points.get(fact.level)
            if pts is None:
                return 0, Why("no_band", value=str(fact.level))
            return pts, Why("level.override", f"level {fact.level}", str(fact.level), "I-5", fact.reason)
        if isinstance(fact, Measure):
            level, shown = _informatics(it, fact, inp.school_levels)
            if level is None or level not in it.level_points:
                return 0, Why("no_band", value=shown, interpretation="I-5")
            return it.level_points[level], Why("level.derived", f"level {level}", shown, "I-5")
    elif rule == "choice" and isinstance(fact, Choice):
        pts = it.options.get(fact.mode)
        if pts is None:
            return 0, Why("no_band", value=fact.mode)
        return pts, Why("choice", value=fact.mode, interpretation="I-7")
    return 0, _WRONG_SHAPE  # a fact of another item's shape; the validator prevents it


def _criterion(c: CCriterion, inp: ScoreInput, items: dict[str, ItemResult]) -> CriterionResult:
    if c.mandatory:
        f = inp.facts.get(c.code)
        met = isinstance(f, Mandatory) and f.met
        why = _MET if met else (_NOT_MET if f is not None else _MISSING)
        return CriterionResult(c.code, True, met, None, None, None, None, why, [])
    rs = [items[i.code] for i in c.items]
    total = sum([r.points_c for r in rs])
    assert c.max_c is not None
    detail = None
    if total > c.max_c:
        total, detail = c.max_c, "capped_at_max"
    lb = _level_of(c.levels, total)
    why = Why("level", lb.range.text if lb else None, cents_text(total), None, detail)
    return CriterionResult(
        c.code, False, None, c.max_c, c.attainable_c, total, lb.level if lb else None, why, rs
    )


def _group(g: CGroup, cf: CompiledFramework, inp: ScoreInput, items: dict[str, ItemResult]) -> GroupResult:
    crits = [_criterion(c, inp, items) for c in g.criteria]
    total = min(sum([c.points_c for c in crits if c.points_c is not None]), g.max_c)
    lb = _level_of(g.levels, total)
    points_level = lb.level if lb else None
    band = lb.range.text if lb else None
    unmet = [c.code for c in crits if c.mandatory and not c.met]
    level = points_level
    shown = cents_text(total)
    if not unmet:
        why = Why("level", band, shown)
    elif cf.strict_mandatory:
        # I-6 strict: level 1 whatever the points; the points are still shown
        level = g.lowest_level
        why = Why("mandatory_unmet", band, shown, "I-6", ",".join(unmet))
    else:
        why = Why("mandatory_unmet_informational", band, shown, "I-6", ",".join(unmet))
    return GroupResult(
        g.code, g.max_c, g.attainable_c, total, points_level, level, not unmet, unmet, why, crits
    )


def score(cf: CompiledFramework, inp: ScoreInput) -> ScoreResult:
    caps: dict[str, int] = {}
    items: dict[str, ItemResult] = {}
    violations: list[Violation] = []
    awarded = inp.awarded
    facts = inp.facts
    for it in cf.order:
        code = it.code
        cap, why = _cap(it, facts.get(code), inp, caps)
        caps[code] = cap
        a = awarded.get(code)
        if a is None:
            items[code] = ItemResult(code, cap, cap, False, why)
            continue
        ac = int(a * 100)
        if ac != a * 100 or ac > cap or ac < 0:
            # the engine never lets points exceed a cap; the API turns this into a 422
            kind = (
                "awarded_negative" if ac < 0 else ("awarded_above_cap" if ac > cap else "awarded_precision")
            )
            violations.append(Violation(f"/awarded/{code}", kind, code, dec(cap), a))
            items[code] = ItemResult(code, cap, cap, False, why)
        else:
            items[code] = ItemResult(code, cap, ac, True, why)
    groups = [_group(g, cf, inp, items) for g in cf.groups]
    levels = [g.level for g in groups]
    overall = None
    if cf.overall and levels and None not in levels:
        overall = min(lv for lv in levels if lv is not None)
    return ScoreResult(cf.ref, groups, overall, violations)
