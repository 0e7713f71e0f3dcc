"""The branch and bound behind `next_level`: a fast model of one group's arithmetic (item points,
requirements, criterion and group maxima, in integer hundredths) and the search over it.

The bound is the fractional knapsack: taking the remaining variables in order of gain per effort,
the least effort that could still cover the missing points. Gains are optimistic (criterion maxima
ignored, a requirement credited with what its dependants could gain), so the bound never prunes an
option that could rank.
"""

from __future__ import annotations

import math
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
        # the hot path: criterion sums as they stand, and per item the criterion it adds to
        self.crit_of = {code: k for k, (_, codes) in enumerate(self.criteria) for code in codes}
        self.base = [sum(self.cur_pts[i] for i in codes) for _, codes in self.criteria]
        self.maxes = [mx for mx, _ in self.criteria]
        self.dependent = [it for it in order if it.requires]
        self.plain = {c: k for c, k in self.crit_of.items() if not cf.items[c].requires}

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
        """The group's points: `caps` folded into criterion sums, touching only what can move."""
        sums = self.base.copy()
        cur_pts, cur_cap, plain = self.cur_pts, self.cur_cap, self.plain
        for c, cap in assign.items():
            k = plain.get(c)
            if k is not None:
                sums[k] += cap - cur_pts[c]
        after: dict[str, int] = {}
        for it in self.dependent:
            c = it.code
            ok = True
            for r in it.requires:
                if r in self.known:
                    v = after.get(r)
                    if (assign.get(r, cur_cap[r]) if v is None else v) <= 0:
                        ok = False
                        break
                elif r not in self.ctx_on and r not in assign:
                    ok = False
                    break
            if not ok:
                cap = pts = 0
            elif c in assign:
                cap = pts = assign[c]
            elif c in self.blocked:
                cap = pts = self.natural[c]
            else:
                cap, pts = cur_cap[c], cur_pts[c]
            after[c] = cap
            k = self.crit_of.get(c)
            if k is not None:
                sums[k] += pts - cur_pts[c]
        return min(sum(min(v, m) for v, m in zip(sums, self.maxes, strict=True)), self.g_max)

    def moved_caps(self, assign: dict[str, int]) -> set[str]:
        caps, _ = self.caps(assign)
        return {c for c, v in caps.items() if v != self.cur_cap[c]}

    def gains(self, vars_: list[Var]) -> dict[str, int]:
        """An upper bound on what each variable adds to the group: its own best gain, plus the
        natural caps of the blocked items it unblocks (transitively). Every configuration's gain is
        at most the sum of its variables' bounds (criterion maxima only lower it)."""
        best = {v.code: v.choices[-1][1] for v in vars_ if v.kind == "item"}
        total: dict[str, int] = {}
        for it in self.order:
            if it.code in self.group_items and it.code in best:
                total[it.code] = max(0, best[it.code] - self.cur_pts[it.code])
        unlock: dict[str, int] = {}
        for it in reversed(self.order):  # dependants first, so chains add up
            if it.code in self.blocked:
                own = self.natural[it.code] if it.code in self.group_items else 0
                for r in it.requires:
                    unlock[r] = unlock.get(r, 0) + own + unlock.get(it.code, 0)
        return {v.code: total.get(v.code, 0) + unlock.get(v.code, 0) for v in vars_}

    def needs(self, vars_: list[Var]) -> dict[str, frozenset[str]]:
        """Per variable, the requirements not yet in place: without them it adds nothing."""
        codes = {v.code for v in vars_}
        out: dict[str, frozenset[str]] = {}
        for v in vars_:
            it = self.known.get(v.code)
            reqs = () if it is None else it.requires
            out[v.code] = frozenset(
                r
                for r in reqs
                if r in codes
                and (r not in self.known or self.cur_cap.get(r, 0) <= 0)
                and r not in self.ctx_on
            )
        return out


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
    by_code: dict[str, Var] = field(default_factory=dict)

    needs: list[frozenset[str]] = field(default_factory=list)
    step: int = 1  # the gcd of the efforts
    round_e: int = 0  # iterative deepening: this round explores options of at most this effort
    next_e: int | None = None
    pos: dict[str, int] = field(default_factory=dict)
    by_ratio: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_code = {v.code: v for v in self.vs}
        self.pos = {v.code: k for k, v in enumerate(self.vs)}
        self.step = math.gcd(*(v.effort_c for v in self.vs)) or 1
        self.by_ratio = sorted(
            (k for k, g in enumerate(self.gain) if g > 0),
            key=lambda k: -Fraction(self.gain[k], self.vs[k].effort_c),
        )

    def _dead(self, k: int, i: int, assign: dict[str, int]) -> bool:
        """Variable k can add nothing: decided already, or a requirement was decided against."""
        return k < i or any(self.pos[r] < i and r not in assign for r in self.needs[k])

    def least_effort(self, i: int, need: int, effort: int, assign: dict[str, int]) -> int | None:
        """The fractional knapsack over the open variables, best gain per effort first: a lower
        bound on the effort of any option below this node (rounded up; None: none reaches)."""
        acc_e, acc_g = effort, 0
        for k in self.by_ratio:
            if self._dead(k, i, assign):
                continue
            v, g = self.vs[k], self.gain[k]
            if acc_g + g >= need:
                lb = -(-(acc_e * g + v.effort_c * (need - acc_g)) // g)
                return -(-lb // self.step) * self.step  # every option's effort is a multiple of step
            acc_e, acc_g = acc_e + v.effort_c, acc_g + g
        return None

    def hopeless(self, i: int, need: int, effort: int, assign: dict[str, int]) -> bool:
        """Pruned: nothing below reaches, or not within this round's effort (the least such effort
        is the next round's), or not cheaper than the options kept."""
        lb = self.least_effort(i, need, effort, assign)
        if lb is None:
            return True
        if lb > self.round_e:
            self.next_e = lb if self.next_e is None else min(self.next_e, lb)
            return True
        return len(self.found) >= self.limit and lb >= self.found[-1][0]

    def irredundant(self, picks: dict[str, int], assign: dict[str, int]) -> bool:
        """No change can be dropped or lowered to a cheaper band and still reach the target."""
        for code, k in picks.items():
            choices = self.by_code[code].choices
            for lower in range(-1, k):
                trial = dict(assign)
                if lower < 0:
                    del trial[code]
                else:
                    trial[code] = choices[lower][1]
                if self.model.points(trial) >= self.threshold:
                    return False
        return True

    def consider(self, picks: dict[str, int], assign: dict[str, int], effort: int, pts: int) -> None:
        if effort > self.round_e:  # a later round, which sees every option up to its effort, ranks it
            self.next_e = effort if self.next_e is None else min(self.next_e, effort)
            return
        if len(self.found) >= self.limit and effort >= self.found[-1][0]:
            return  # ranks no better than the options kept (equal effort: no fewer changes either)
        if not self.irredundant(picks, assign):
            return
        self.found.append((effort, len(picks), -pts, dict(picks)))
        self.found.sort(key=lambda t: (t[0], t[1], t[2], sorted(t[3])))
        del self.found[self.limit :]

    def dfs(self, i: int, effort: int, picks: dict[str, int], assign: dict[str, int]) -> None:
        self.nodes += 1
        if self.nodes > self.budget:
            raise _Budget
        pts = self.model.points(assign)
        if pts >= self.threshold:
            self.consider(picks, assign, effort, pts)
            return
        if i == len(self.vs) or self.hopeless(i, self.threshold - pts, effort, assign):
            return
        v = self.vs[i]
        for k in reversed(range(len(v.choices))):
            picks[v.code], assign[v.code] = k, v.choices[k][1]
            self.dfs(i + 1, effort + v.effort_c, picks, assign)
            del picks[v.code], assign[v.code]
        self.dfs(i + 1, effort, picks, assign)


def search(
    model: Model, vars_: list[Var], threshold: int | None, limit: int, budget: int
) -> tuple[list[dict[str, int]], bool]:
    """Up to `limit` cheapest irredundant choices (variable → choice index) reaching `threshold`;
    and whether the search finished inside the node budget."""
    if threshold is None or limit < 1:
        return [], True
    gains = model.gains(vars_)
    needs = model.needs(vars_)
    needed = {r for ns in needs.values() for r in ns}
    useful = [v for v in vars_ if gains[v.code] > 0 or v.code in needed]
    # requirements first, so that once one is decided against, its dependants leave the bound
    useful.sort(key=lambda v: (v.code not in needed, -Fraction(gains[v.code], v.effort_c), v.code))
    st = _State(model, useful, [gains[v.code] for v in useful], threshold, limit, budget)
    st.needs = [needs[v.code] for v in useful]
    # iterative deepening on effort: each round finds every option within its effort, pruned by the
    # knapsack bound; the next round's effort is the least bound that exceeded this one's
    first = st.least_effort(0, threshold - model.points({}), 0, {}) if model.points({}) < threshold else 0
    if first is None:
        return [], True
    st.round_e = first
    try:
        while True:
            st.found, st.next_e = [], None
            st.dfs(0, 0, {}, {})
            if len(st.found) >= limit or st.next_e is None:
                break
            st.round_e = st.next_e
    except _Budget:
        return [t[3] for t in st.found], False
    return [t[3] for t in st.found], True
