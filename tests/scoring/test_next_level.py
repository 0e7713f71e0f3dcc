"""The path to the next level, pinned on cases worked by hand (the arithmetic is in each docstring)."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from services.scoring.engine import CompiledFramework, ScoreInput, compile_framework, score
from services.scoring.engine.candidates import candidates
from services.scoring.engine.facts import Choice, Count, Deployed, Mandatory, Measure, Ratio
from services.scoring.engine.next_level import GroupPath, next_level
from services.scoring.engine.vocabulary import parse_input
from services.scoring.frameworks.examples import PRIMARY_SCHOOL
from shared.contracts import SchoolLevel
from shared.framework.loader import apply_overlay
from shared.framework.model import Framework
from tests.scoring.test_engine_levels import FULL


def paths(
    cf: CompiledFramework, facts: dict[str, Any], levels: list[str] | None = None, **kw: Any
) -> list[GroupPath]:
    inp, errors = parse_input(cf, levels or ["TH"], facts, kw.pop("awarded", {}))
    assert inp is not None, errors
    return next_level(cf, inp, **kw)


def sets(p: GroupPath, effort_c: int | None = None) -> set[frozenset[str]]:
    return {
        frozenset(c.code for c in o.changes) for o in p.options if effort_c is None or o.effort_c == effort_c
    }


def test_primary_school_two_changes_reach_level_3(cf: CompiledFramework) -> None:
    """Group 1 has 64.5 (1.3: 5.5 awarded + 6 + 6; 1.4: 35 → 6; 1.5.1: 15; 1.6: 7 + 4 + 2; 1.7: 8 + 5).
    Level 3 is above 75, so at least 75.01: 10.51 more. Best single gains: 1.3.4 and 1.3.5 +6 (LMS
    deployed), 1.5.2 and 1.7.3 +5, 1.4.1 (35 → 40) and 1.6.3 (24% → 62%) +4, 1.6.2 +3, 1.7.2 +2.
    No single change is enough; the pairs reaching 10.51 are 6+6 and 6+5: five of them."""
    g1 = paths(cf, PRIMARY_SCHOOL["facts"], awarded=PRIMARY_SCHOOL["awarded"], limit=10)[0]
    assert (g1.level, g1.points_c, g1.target_level, g1.threshold_c) == (2, 6450, 3, 7501)
    assert sets(g1, 200) == {
        frozenset(s)
        for s in [
            ("1.3.4", "1.3.5"),
            ("1.3.4", "1.5.2"),
            ("1.3.4", "1.7.3"),
            ("1.3.5", "1.5.2"),
            ("1.3.5", "1.7.3"),
        ]
    }
    best = g1.options[0]
    assert (best.effort_c, best.points_after_c, best.level_after) == (200, 7650, 3)
    assert [(c.code, c.points_gained_c) for c in best.changes] == [("1.3.4", 600), ("1.3.5", 600)]
    assert min(o.effort_c for o in g1.options) == 200


def test_a_province_effort_reorders_the_options(qd4725: Framework) -> None:
    """1.3.4 weighted 5: every pair with it costs 6, so the cheapest are the two without it."""
    ov = {
        "format": "chiso.framework-overlay/v1",
        "id": "effort-test",
        "version": 1,
        "derived_from": "qd4725-2022@1",
        "title": {"vi": "Thử", "en": "Test"},
        "patch": {"1.3.4": {"effort": 5}},
    }
    cf = compile_framework(apply_overlay(qd4725, ov))
    g1 = paths(cf, PRIMARY_SCHOOL["facts"], awarded=PRIMARY_SCHOOL["awarded"], limit=10)[0]
    assert sets(g1, 200) == {frozenset({"1.3.5", "1.5.2"}), frozenset({"1.3.5", "1.7.3"})}
    assert g1.options[0].effort_c == 200
    assert all("1.3.4" not in {c.code for c in o.changes} for o in g1.options if o.effort_c == 200)


def test_unmet_mandatory_condition_dominates(cf: CompiledFramework) -> None:
    """Every fact at its cap but 1.2 not met: 100 points, level 1 (I-6 strict). Meeting 1.2 alone
    gives level 3, and it is the only option; no fact change without it can help."""
    facts = {**FULL, "1.2": {"met": False}}
    g1 = paths(cf, facts)[0]
    assert (g1.level, g1.points_c, g1.forced) == (1, 10000, ("1.2",))
    assert len(g1.options) == 1
    (only,) = g1.options
    assert [(c.code, c.kind) for c in only.changes] == [("1.2", "mandatory")]
    assert only.level_after == 3


def test_forced_conditions_are_in_every_option(cf: CompiledFramework) -> None:
    """Nothing declared: both groups need their two mandatory conditions in every option, plus six
    items in group 1 (the five best gains, 15 + 10 + 8 + 7 + 7 = 47, fall short of 50)."""
    g1, g2 = paths(cf, {}, limit=10)
    assert g1.forced == ("1.1", "1.2")
    assert g2.forced == ("2.1", "2.2")
    for o in g1.options:
        assert {"1.1", "1.2"} <= {c.code for c in o.changes}
        assert o.effort_c == 800  # 2 conditions + 6 items
        codes = {c.code for c in o.changes}
        assert "1.5.2" not in codes or "1.5.1" in codes  # 1.5.2 needs 1.5.1 (I-7)
    for o in g2.options:
        assert {"2.1", "2.2", "sms"} <= {c.code for c in o.changes}  # 2.3.x need the SMS


def test_deploying_a_context_fact_is_one_change(cf: CompiledFramework) -> None:
    """1.3.2–1.3.5 deployed without an LMS score 0; group 1 has 1.4.1 10 + 1.5.1 15 + 1.6 20 = 45.
    Deploying the LMS adds 24 → 69, level 2, in one change."""
    facts: dict[str, Any] = {"1.1": {"met": True}, "1.2": {"met": True}, "1.5.1": {"deployed": True}}
    facts |= {c: {"deployed": True} for c in ("1.3.2", "1.3.3", "1.3.4", "1.3.5")}
    facts |= {"1.4.1": {"count": 40}} | {
        c: {"numerator": 1, "denominator": 1} for c in ("1.6.1", "1.6.2", "1.6.3")
    }
    g1 = paths(cf, facts, limit=10)[0]
    assert (g1.level, g1.points_c) == (1, 4500)
    lms = next(o for o in g1.options if {c.code for c in o.changes} == {"lms"})
    assert (lms.effort_c, lms.points_after_c, lms.level_after) == (100, 6900, 2)
    # 1.5.2 is not one change here: it needs the management system too (I-7), which is not deployed
    assert sets(g1, 100) == {frozenset({c}) for c in ("lms", "1.3.1", "1.7.1", "1.7.2", "1.7.3")}


def test_exclusive_option_takes_the_least_band(cf: CompiledFramework) -> None:
    """Group 2 at 74: 2.3 has 44 (2.3.1, .2, .4, .5, .6, .8), 2.4 has 30. Level 3 needs 1.01 more:
    2.3.3 as a PDF (+3) or 2.3.7 (+6). The digital signature (+10) also reaches it, but the PDF
    does too, so it is never proposed."""
    facts: dict[str, Any] = {k: v for k, v in FULL.items() if not k.startswith("2.")}
    facts |= {"2.1": {"met": True}, "2.2": {"met": True}}
    facts |= {c: {"deployed": True} for c in ("2.3.1", "2.3.2", "2.3.4", "2.3.5", "2.3.6", "2.3.8")}
    facts |= {c: {"deployed": True} for c in ("2.4.1", "2.4.2", "2.4.3")}
    g2 = paths(cf, facts, limit=10)[1]
    assert (g2.level, g2.points_c) == (2, 7400)
    assert sets(g2, 100) == {frozenset({"2.3.3"}), frozenset({"2.3.7"})}
    pdf = next(o for o in g2.options if o.changes[0].code == "2.3.3")
    assert pdf.changes[0].after == Choice("pdf")
    assert pdf.points_after_c == 7700
    assert g2.options[0].changes[0].code == "2.3.7"  # equal effort: more points first


def test_no_change_reaches_the_next_level(qd4725: Framework) -> None:
    """With level 3 of group 1 moved to above 100 points (its maximum), nothing reaches it."""
    levels = [
        {"level": 1, "range": "[0, 50)"},
        {"level": 2, "range": "[50, 100]"},
        {"level": 3, "range": "(100, inf)"},
    ]
    ov = {
        "format": "chiso.framework-overlay/v1",
        "id": "unreachable-test",
        "version": 1,
        "derived_from": "qd4725-2022@1",
        "title": {"vi": "Thử", "en": "Test"},
        "patch": {"1": {"levels": levels}},
    }
    cf = compile_framework(apply_overlay(qd4725, ov))
    g1 = paths(cf, PRIMARY_SCHOOL["facts"], awarded=PRIMARY_SCHOOL["awarded"])[0]
    assert (g1.level, g1.target_level, g1.threshold_c) == (2, 3, 10001)
    assert not g1.reachable
    assert g1.options == ()
    assert g1.complete
    assert g1.best_c == 9950  # every change made; 1.3.1 keeps its awarded 5.5 of 6


def test_top_level_has_no_target(cf: CompiledFramework) -> None:
    g1, g2 = paths(cf, FULL)
    assert (g1.level, g1.target_level, g1.options) == (3, None, ())
    assert (g2.level, g2.target_level) == (3, None)


def test_candidates_are_the_least_fact_in_each_band(cf: CompiledFramework) -> None:
    """27/45 is exactly 60%, inside [30, 60]: 6 points need 28/45 (I-1). 40 materials is the top
    band (I-3). TH: 35 pupils on 15 computers share 3 (level 2); level 3 needs one each."""
    inp = ScoreInput(frozenset({SchoolLevel.TH}))
    pct = candidates(cf.items["1.6.3"], Ratio(0, 45), inp)
    assert pct == [(Ratio(1, 45), 200), (Ratio(14, 45), 400), (Ratio(28, 45), 600)]
    assert candidates(cf.items["1.4.1"], Count(35), inp) == [(Count(40), 1000)]
    assert candidates(cf.items["1.7.2"], Measure(35, 15), inp) == [(Measure(35, 35), 700)]
    thcs = ScoreInput(frozenset({SchoolLevel.THCS}))
    assert candidates(cf.items["1.7.2"], Measure(40, 10), thcs) == [
        (Measure(40, 20), 500),
        (Measure(40, 40), 700),
    ]
    assert candidates(cf.items["2.3.3"], Choice("pdf"), inp) == [(Choice("digital_signature"), 1000)]
    assert candidates(cf.items["1.3.1"], Deployed(True), inp) == []


def _brute_force_least_effort(cf: CompiledFramework, inp: ScoreInput, gi: int, target: int) -> int | None:
    """Every combination of candidate facts (and context facts) for the group, scored by the engine."""
    g = cf.groups[gi]
    codes = [i.code for c in g.criteria for i in c.items]
    choices = [[None, *[f for f, _ in candidates(cf.items[c], inp.facts.get(c), inp)]] for c in codes]
    ctx = sorted({r for c in codes for r in cf.items[c].requires if r not in cf.items})
    forced = [c.code for c in g.criteria if c.mandatory]
    best: int | None = None
    for combo in itertools.product(*choices, *[[None, Deployed(True)] for _ in ctx]):
        facts = dict(inp.facts)
        n = 0
        for code, f in zip([*codes, *ctx], combo, strict=True):
            if f is not None:
                facts[code], n = f, n + 1
        facts |= {c: Mandatory(True) for c in forced}
        awarded = {k: v for k, v in inp.awarded.items() if k not in codes}
        lv = score(cf, ScoreInput(inp.school_levels, facts, awarded)).groups[gi].level
        if lv is not None and lv >= target and (best is None or n < best):
            best = n
    return best


@pytest.mark.parametrize("seed", range(6))
def test_least_effort_matches_brute_force_on_group_2(cf: CompiledFramework, seed: int) -> None:
    """Random schools; the search's cheapest option has as few changes as exhaustive enumeration
    (group 2: 11 items and the SMS, about 6,000 combinations), and every option is irredundant."""
    rnd = random.Random(seed)
    facts: dict[str, Any] = {"2.1": {"met": True}, "2.2": {"met": True}}
    if rnd.random() < 0.5:
        facts["sms"] = {"deployed": True}
    for c in ("2.3.1", "2.3.2", "2.3.4", "2.3.5", "2.3.6", "2.3.7", "2.3.8", "2.4.1", "2.4.2", "2.4.3"):
        facts[c] = {"deployed": rnd.random() < 0.4}
    facts["2.3.3"] = {"mode": rnd.choice(["none", "pdf", "digital_signature"])}
    inp, _ = parse_input(cf, ["TH"], facts, {})
    assert inp is not None
    g2 = next_level(cf, inp, limit=3)[1]
    if g2.target_level is None:
        return
    want = _brute_force_least_effort(cf, inp, 1, g2.target_level)
    got = None if not g2.options else len([c for c in g2.options[0].changes if c.kind != "mandatory"])
    assert got == want


@pytest.mark.parametrize("seed", range(4))
def test_every_option_reaches_and_is_irredundant_by_the_engine(cf: CompiledFramework, seed: int) -> None:
    """Random schools (both groups): each option, applied, reaches the target as the engine scores
    it; and with any one change undone, it no longer does."""
    from bench.next_level import _random_school

    rnd = random.Random(100 + seed)
    for _ in range(5):
        body = _random_school(rnd)
        inp, _ = parse_input(cf, body["school_levels"], body["facts"], {})
        assert inp is not None
        for gi, gp in enumerate(next_level(cf, inp)):
            for o in gp.options:
                facts = dict(inp.facts) | {c.code: c.after for c in o.changes}
                assert score(cf, ScoreInput(inp.school_levels, facts)).groups[gi].level == o.level_after
                assert o.level_after is not None
                assert gp.target_level is not None
                assert o.level_after >= gp.target_level
                for undo in o.changes:
                    fewer = dict(facts)
                    if undo.before is None:
                        del fewer[undo.code]
                    else:
                        fewer[undo.code] = undo.before
                    after = score(cf, ScoreInput(inp.school_levels, fewer)).groups[gi].level
                    assert after is not None
                    assert after < gp.target_level, (undo.code, o)


def test_informational_policy_forces_nothing(qd4725: Framework) -> None:
    """Under mandatory_failure: informational (I-6), 1.2 unmet leaves group 1 at its points' level
    (100 → level 3): nothing to reach, and no condition is forced anywhere."""
    ov = {
        "format": "chiso.framework-overlay/v1",
        "id": "informational-test",
        "version": 1,
        "derived_from": "qd4725-2022@1",
        "title": {"vi": "Thử", "en": "Test"},
        "policies": {"mandatory_failure": "informational"},
    }
    cf = compile_framework(apply_overlay(qd4725, ov))
    g1 = paths(cf, {**FULL, "1.2": {"met": False}})[0]
    assert (g1.level, g1.target_level, g1.forced) == (3, None, ())
    g1 = paths(cf, {"1.2": {"met": False}, "1.5.1": {"deployed": True}, "1.4.1": {"count": 40}}, limit=10)[0]
    assert g1.forced == ()
    assert all(c.kind != "mandatory" for o in g1.options for c in o.changes)
