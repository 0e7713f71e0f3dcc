"""The branch and bound behind `next_level`: a fast model of one group's arithmetic (item points,
requirements, criterion and group maxima, in integer hundredths) and the search over it.

The bound is the fractional knapsack: taking the remaining variables in order of gain per effort,
the least effort that could still cover the missing points. Gains are optimistic (criterion maxima
ignored, a requirement credited with what its dependants could gain), so the bound never prunes an
option that could rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from services.scoring.engine.candidates import natural_cap
from services.scoring.engine.compiled import CGroup, CItem, CompiledFramework
from services.scoring.engine.facts import Deployed, Fact, ScoreInput
from services.scoring.engine.result import ItemResult


@dataclass(frozen=True, slots=True)
class Var:
    code: str
    kind: str  # item | context
    choices: tuple[tuple[Fact, int], ...]  # (fact, natural cap), lowest cap first
    effort_c: int


class Model:
    """The points of one group when some items take new caps and some context facts are deployed."""

    def __init__(
        self,
        cf: CompiledFramework,
        g: CGroup,
        order: list[CItem],
        inp: ScoreInput,
        items: dict[str, ItemResult],
    ) -> None:
        self.order = order
        self.known = cf.items
        self.cur_cap = {it.code: items[it.code].cap_c for it in order}
        self.cur_pts = {it.code: items[it.code].points_c for it in order}
        self.blocked = {it.code for it in order if items[it.code].why.rule == "requires"}
        self.natural = {c: natural_cap(cf.items[c], inp.facts.get(c), inp) for c in self.blocked}
        self.ctx_on = {
            k for k, f in inp.facts.items() if k not in cf.items and isinstance(f, Deployed) and f.deployed
        }
        self.criteria = [(c.max_c or 0, [i.code for i in c.items]) for c in g.criteria if not c.mandatory]
        self.group_items = {code for _, codes in self.criteria for code in codes}
        self.g_max = g.max_c

    def caps(self, assign: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
        caps: dict[str, int] = {}
        pts: dict[str, int] = {}
        for it in self.order:
            c = it.code
            ok = True
            for r in it.requires:
                if r in self.known:
                    if caps.get(r, 0) <= 0:
                        ok = False
                        break
                elif r not in self.ctx_on and r not in assign:
                    ok = False
                    break
            if not ok:
                caps[c] = pts[c] = 0
            elif c in assign:
                caps[c] = pts[c] = assign[c]
            elif c in self.blocked:
                caps[c] = pts[c] = self.natural[c]
            else:
                caps[c], pts[c] = self.cur_cap[c], self.cur_pts[c]
        return caps, pts

    def points(self, assign: dict[str, int]) -> int:
        _, pts = self.caps(assign)
        total = sum(min(sum(pts[i] for i in codes), mx) for mx, codes in self.criteria)
        return min(total, self.g_max)

    def moved_caps(self, assign: dict[str, int]) -> set[str]:
        caps, _ = self.caps(assign)
        return {c for c, v in caps.items() if v != self.cur_cap[c]}

    def gains(self, vars_: list[Var]) -> dict[str, int]:
        """Optimistic gain of each variable: its own best gain plus what its dependants could gain."""
        best = {v.code: v.choices[-1][1] for v in vars_ if v.kind == "item"}
        own: dict[str, int] = {}
        for it in self.order:
            if it.code in self.group_items:
                top = max(best.get(it.code, 0), self.natural.get(it.code, self.cur_cap[it.code]))
                own[it.code] = max(0, top - self.cur_pts[it.code])
        total = dict(own)
        for it in reversed(self.order):  # dependants first, so chains add up
            for r in it.requires:
                total[r] = total.get(r, 0) + total.get(it.code, 0)
        return {v.code: total.get(v.code, 0) for v in vars_}


class _Budget(Exception):
    pass


@dataclass
class _State:
    model: Model
    vs: list[Var]
    gain: list[int]
    threshold: int
    limit: int
    budget: int
    nodes: int = 0
    found: list[tuple[int, int, int, dict[str, int]]] = field(default_factory=list)

    def hopeless(self, i: int, need: int, effort: int) -> bool:
        full = len(self.found) >= self.limit
        bound = self.found[-1][0] if full else None
        acc_e, acc_g = effort, 0
        for v, g in zip(self.vs[i:], self.gain[i:], strict=True):
            if acc_g + g >= need:
                if bound is None:
                    return False
                # least effort acc_e + e·(need − acc_g)/g, compared exactly: cross-multiplied
                lhs, rhs = acc_e * g + v.effort_c * (need - acc_g), bound * g
                return lhs >= rhs
            acc_e, acc_g = acc_e + v.effort_c, acc_g + g
        return True

    def assign(self, picks: dict[str, int]) -> dict[str, int]:
        by = {v.code: v for v in self.vs}
        return {c: by[c].choices[k][1] for c, k in picks.items()}

    def irredundant(self, picks: dict[str, int]) -> bool:
        """No change can be dropped or lowered to a cheaper band and still reach the target."""
        for code, k in picks.items():
            for lower in range(-1, k):
                trial = dict(picks)
                if lower < 0:
                    del trial[code]
                else:
                    trial[code] = lower
                if self.model.points(self.assign(trial)) >= self.threshold:
                    return False
        return True

    def consider(self, picks: dict[str, int], effort: int, pts: int) -> None:
        if not self.irredundant(picks):
            return
        self.found.append((effort, len(picks), -pts, dict(picks)))
        self.found.sort(key=lambda t: (t[0], t[1], t[2], sorted(t[3])))
        del self.found[self.limit :]

    def dfs(self, i: int, effort: int, picks: dict[str, int]) -> None:
        self.nodes += 1
        if self.nodes > self.budget:
            raise _Budget
        pts = self.model.points(self.assign(picks))
        if pts >= self.threshold:
            self.consider(picks, effort, pts)
            return
        if i == len(self.vs) or self.hopeless(i, self.threshold - pts, effort):
            return
        v = self.vs[i]
        for k in reversed(range(len(v.choices))):
            picks[v.code] = k
            self.dfs(i + 1, effort + v.effort_c, picks)
            del picks[v.code]
        self.dfs(i + 1, effort, picks)


def search(
    model: Model, vars_: list[Var], threshold: int | None, limit: int, budget: int
) -> tuple[list[dict[str, int]], bool]:
    """Up to `limit` cheapest irredundant choices (variable → choice index) reaching `threshold`;
    and whether the search finished inside the node budget."""
    if threshold is None or limit < 1:
        return [], True
    gains = model.gains(vars_)
    useful = [v for v in vars_ if gains[v.code] > 0]
    useful.sort(key=lambda v: (-Fraction(gains[v.code], v.effort_c), v.code))
    st = _State(model, useful, [gains[v.code] for v in useful], threshold, limit, budget)
    complete = True
    try:
        st.dfs(0, 0, {})
    except _Budget:
        complete = False
    return [t[3] for t in st.found], complete
