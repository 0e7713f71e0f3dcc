"""The least a school must change to reach the next level, per group, exactly.

For each group below its top level: the options (sets of fact changes) that reach the next level,
each irredundant (dropping or lowering any change misses the target), ranked by effort (a weight
per item a province may set in its overlay, 1 by default), then by fewer changes. The search is a
branch and bound over one variable per item (its candidate facts, `candidates`), per context fact
the group's items need, and the unmet mandatory conditions (which, under the strict policy I-6,
every option must meet: they are forced, not searched). A model of the group's arithmetic guides
the search; every option it returns is then scored again by the engine itself, which is the only
judge of the points and the level an option gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.scoring.engine.candidates import candidates
from services.scoring.engine.compiled import CGroup, CItem, CompiledFramework
from services.scoring.engine.facts import Deployed, Fact, Mandatory, ScoreInput
from services.scoring.engine.result import GroupResult, ItemResult, ScoreResult
from services.scoring.engine.score import score
from services.scoring.engine.search import Model, Var, search

UNIT_EFFORT = 100  # efforts in hundredths, like points: 1 unless the document says otherwise
NODE_BUDGET = 50_000  # bounds the work for any document; the national one needs far fewer


@dataclass(frozen=True, slots=True)
class Change:
    code: str
    kind: str  # item | context | mandatory
    before: Fact | None
    after: Fact
    effort_c: int
    points_gained_c: int  # the group's points this change adds, as the engine scores the option


@dataclass(frozen=True, slots=True)
class Option:
    changes: tuple[Change, ...]
    effort_c: int
    points_after_c: int
    level_after: int | None


@dataclass(frozen=True, slots=True)
class GroupPath:
    code: str
    level: int | None
    points_c: int
    target_level: int | None  # None: already at the top level
    threshold_c: int | None  # the fewest points that give the target level
    best_c: int  # the most points changes of facts can give the group
    forced: tuple[str, ...]  # unmet mandatory conditions every option meets
    options: tuple[Option, ...]
    complete: bool  # False only if the node budget ran out (never for the national document)

    @property
    def reachable(self) -> bool:
        return bool(self.options)


def efforts_of(cf: CompiledFramework) -> dict[str, int]:
    """Item and context-fact efforts in hundredths, from the document (an overlay may set them)."""
    out = {i.code: int(i.effort * 100) for i in cf.framework.items() if i.effort is not None}
    out.update({f.code: int(f.effort * 100) for f in cf.framework.context_facts if f.effort is not None})
    return out


def _threshold(g: CGroup, target: int) -> int | None:
    """The fewest hundredths of a point whose band is at the target level or above."""
    best: int | None = None
    for lb in g.levels:
        if lb.level < target:
            continue
        rg = lb.range
        c = 0 if rg.lo_n is None else -(-(100 * rg.lo_n) // rg.lo_d)
        if not rg.has_ratio(c, 100):
            c += 1
        if rg.has_ratio(c, 100) and (best is None or c < best):
            best = c
    return best


def _relevant(cf: CompiledFramework, g: CGroup) -> tuple[list[CItem], set[str]]:
    """The group's items and every item or context fact they need, transitively, in dependency order."""
    want = {i.code for c in g.criteria for i in c.items}
    ctx: set[str] = set()
    stack = list(want)
    while stack:
        for r in cf.items[stack.pop()].requires:
            if r in cf.items and r not in want:
                want.add(r)
                stack.append(r)
            elif r not in cf.items:
                ctx.add(r)
    return [it for it in cf.order if it.code in want], ctx


def _variables(model: Model, inp: ScoreInput, ctx: set[str], efforts: dict[str, int]) -> list[Var]:
    out: list[Var] = []
    for it in model.order:
        choices = candidates(it, inp.facts.get(it.code), inp)
        if choices:
            out.append(Var(it.code, "item", tuple(choices), efforts.get(it.code, UNIT_EFFORT)))
    for code in sorted(ctx):
        f = inp.facts.get(code)
        if not (isinstance(f, Deployed) and f.deployed):
            out.append(Var(code, "context", ((Deployed(True), 0),), efforts.get(code, UNIT_EFFORT)))
    return out


def _verify(
    cf: CompiledFramework,
    gi: int,
    inp: ScoreInput,
    base: GroupResult,
    model: Model,
    picks: dict[str, int],
    vars_: dict[str, Var],
    forced: tuple[str, ...],
) -> Option:
    """Score the option with the engine: facts changed, awarded points dropped where the cap moves."""
    facts = dict(inp.facts)
    changed: list[tuple[Var, Fact]] = []
    for code, k in picks.items():
        v = vars_[code]
        facts[code] = v.choices[k][0]
        changed.append((v, v.choices[k][0]))
    for code in forced:
        facts[code] = Mandatory(True)
    moved = model.moved_caps({c: vars_[c].choices[k][1] for c, k in picks.items()})
    awarded = {k: a for k, a in inp.awarded.items() if k not in moved}
    after = score(cf, ScoreInput(inp.school_levels, facts, awarded)).groups[gi]
    before_pts = {i.code: i.points_c for c in base.criteria for i in c.items}
    after_pts = {i.code: i.points_c for c in after.criteria for i in c.items}
    changes = [
        Change(
            v.code,
            v.kind,
            inp.facts.get(v.code),
            f,
            v.effort_c,
            after_pts.get(v.code, 0) - before_pts.get(v.code, 0),
        )
        for v, f in changed
    ]
    changes += [Change(c, "mandatory", inp.facts.get(c), Mandatory(True), UNIT_EFFORT, 0) for c in forced]
    changes.sort(key=lambda ch: [(0, int(x), "") if x.isdigit() else (1, 0, x) for x in ch.code.split(".")])
    effort = sum(ch.effort_c for ch in changes)
    return Option(tuple(changes), effort, after.points_c, after.level)


@dataclass(frozen=True, slots=True)
class _Ctx:
    cf: CompiledFramework
    inp: ScoreInput
    items: dict[str, ItemResult]
    efforts: dict[str, int]
    limit: int


def _group_path(x: _Ctx, gi: int, base: GroupResult) -> GroupPath:
    cf, inp = x.cf, x.inp
    g = cf.groups[gi]
    forced = tuple(base.unmet_mandatory) if cf.strict_mandatory else ()
    higher = sorted(lb.level for lb in g.levels if base.level is not None and lb.level > base.level)
    order, ctx = _relevant(cf, g)
    model = Model(cf, g, order, inp, x.items)
    if not higher:
        return GroupPath(g.code, base.level, base.points_c, None, None, base.points_c, forced, (), True)
    target = higher[0]
    threshold = _threshold(g, target)
    vars_ = _variables(model, inp, ctx, x.efforts)
    found, complete = search(model, vars_, threshold, x.limit, NODE_BUDGET)
    by_code = {v.code: v for v in vars_}
    options = [_verify(cf, gi, inp, base, model, p, by_code, forced) for p in found]
    options = [o for o in options if o.level_after is not None and o.level_after >= target]
    options.sort(key=lambda o: (o.effort_c, len(o.changes), -o.points_after_c))
    best = model.points({v.code: v.choices[-1][1] for v in vars_})
    return GroupPath(
        g.code, base.level, base.points_c, target, threshold, best, forced, tuple(options), complete
    )


def next_level(
    cf: CompiledFramework, inp: ScoreInput, base: ScoreResult | None = None, limit: int = 3
) -> list[GroupPath]:
    """Per group, up to `limit` cheapest irredundant options to reach the next level."""
    base = base if base is not None else score(cf, inp)
    items = {i.code: i for gr in base.groups for c in gr.criteria for i in c.items}
    x = _Ctx(cf, inp, items, efforts_of(cf), limit)
    return [_group_path(x, gi, gr) for gi, gr in enumerate(base.groups)]
