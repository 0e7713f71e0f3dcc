"""The path to the next level (both groups of the national framework), against scoring the same
assessment once, measured in the same run. Budget: under 50 ms per assessment on every case."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from services.scoring.config import DOCUMENTS
from services.scoring.engine import CompiledFramework, ScoreInput, compile_framework, score
from services.scoring.engine.next_level import next_level
from services.scoring.engine.vocabulary import parse_input
from services.scoring.frameworks.examples import MANDATORY_UNMET, PRIMARY_SCHOOL
from shared.framework.loader import load_directory

BUDGET_MS = 50.0


def _random_school(rnd: random.Random) -> dict[str, Any]:
    """A school with a random share of the index in place (a reproducible spread of cases)."""
    p = rnd.random()
    facts: dict[str, Any] = {c: {"met": rnd.random() < 0.8} for c in ("1.1", "1.2", "2.1", "2.2")}
    for ctx in ("lms", "sms"):
        facts[ctx] = {"deployed": rnd.random() < p}
    for c in ("1.3.1", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.5.1", "1.5.2", "1.7.3"):
        facts[c] = {"deployed": rnd.random() < p}
    for c in ("2.3.1", "2.3.2", "2.3.4", "2.3.5", "2.3.6", "2.3.7", "2.3.8", "2.4.1", "2.4.2", "2.4.3"):
        facts[c] = {"deployed": rnd.random() < p}
    facts["1.4.1"] = {"count": rnd.randint(0, 45)}
    for c in ("1.6.1", "1.6.2", "1.6.3", "1.7.1"):
        d = rnd.randint(1, 60)
        facts[c] = {"numerator": rnd.randint(0, d), "denominator": d}
    facts["1.7.2"] = {"class_size": rnd.randint(20, 45), "lab_computers": rnd.randint(0, 40)}
    facts["2.3.3"] = {"mode": rnd.choice(["none", "pdf", "digital_signature"])}
    return {"school_levels": [rnd.choice(["TH", "THCS", "THPT"])], "facts": facts, "awarded": {}}


def _cases() -> list[tuple[str, dict[str, Any]]]:
    rnd = random.Random(4725)
    empty: dict[str, Any] = {"school_levels": ["TH"], "facts": {}, "awarded": {}}
    out = [
        ("primary example", PRIMARY_SCHOOL),
        ("mandatory unmet", MANDATORY_UNMET),
        ("nothing declared", empty),
    ]
    return out + [(f"random #{i}", _random_school(rnd)) for i in range(200)]


def _ms(fn: Any, n: int) -> float:
    xs = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        xs.append((time.perf_counter_ns() - t0) / 1e6)
    return statistics.median(xs)


def _inp(cf: CompiledFramework, body: dict[str, Any]) -> ScoreInput:
    inp, errs = parse_input(cf, body["school_levels"], body["facts"], body.get("awarded", {}))
    assert inp is not None, errs
    return inp


def main(_args: argparse.Namespace) -> None:
    fw = next(f for f in load_directory(DOCUMENTS) if f.id == "qd4725-2022")
    cf = compile_framework(fw)
    rows = []
    for name, body in _cases():
        inp = _inp(cf, body)
        base_ms = _ms(lambda inp=inp: score(cf, inp), 200)
        nl_ms = _ms(lambda inp=inp: next_level(cf, inp), 3)
        rows.append((nl_ms, base_ms, name))
    rows.sort(reverse=True)
    named = [r for r in rows if not r[2].startswith("random")]
    for nl_ms, base_ms, name in [*[r for r in rows if r not in named][:3], *named]:
        print(f"  next level, {name:<18} median {nl_ms:7.2f} ms  ×{nl_ms / base_ms:6.0f} of scoring it once")
    med = statistics.median(r[0] for r in rows)
    worst = rows[0][0]
    print(f"  {len(rows)} schools: median {med:.2f} ms, worst {worst:.2f} ms")
    verdict = "met" if worst <= BUDGET_MS else "NOT met"
    print(f"  budget ≤ {BUDGET_MS:.0f} ms on every case: {verdict} ({worst / BUDGET_MS:.2f} of budget)")
