"""The scoring engine's time for one full assessment (every fact declared, some points awarded),
next to the validation and rendering the preview endpoint adds around it."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from services.scoring.config import DOCUMENTS
from services.scoring.engine import compile_framework, score
from services.scoring.engine.vocabulary import parse_input
from services.scoring.frameworks.examples import PRIMARY_SCHOOL
from services.scoring.frameworks.schemas import render_result, titles_of
from shared.framework.loader import load_directory

TARGET_US = 100.0


def _samples(fn: Callable[[], object], n: int = 20_000, batch: int = 50) -> list[float]:
    for _ in range(1000):
        fn()
    out: list[float] = []
    for _ in range(n // batch):
        t0 = time.perf_counter_ns()
        for _ in range(batch):
            fn()
        out.append((time.perf_counter_ns() - t0) / batch / 1000)
    return out


def _line(name: str, xs: list[float], base: float | None = None) -> None:
    xs.sort()
    med, p95 = statistics.median(xs), xs[int(len(xs) * 0.95)]
    ratio = f"  ×{med / base:.2f} of the engine" if base else ""
    print(f"  {name:<34} median {med:8.1f} µs   p95 {p95:8.1f} µs{ratio}")


def main(_args: argparse.Namespace) -> None:
    fw = next(f for f in load_directory(DOCUMENTS) if f.id == "qd4725-2022")
    cf = compile_framework(fw)
    body = PRIMARY_SCHOOL
    inp, errs = parse_input(cf, body["school_levels"], body["facts"], body["awarded"])
    assert inp is not None, errs
    titles = titles_of(fw)
    result = score(cf, inp)
    eng = _samples(lambda: score(cf, inp))
    eng.sort()
    med = statistics.median(eng)
    _line("engine: score() full assessment", eng)
    verdict = "met" if med <= TARGET_US else "NOT met"
    print(f"  target ≤ {TARGET_US:.0f} µs median: {verdict} ({med / TARGET_US:.2f} of target)")
    _line(
        "validate facts vocabulary",
        _samples(lambda: parse_input(cf, body["school_levels"], body["facts"], body["awarded"])),
        med,
    )
    _line("render breakdown (vi/en why)", _samples(lambda: render_result(result, titles)), med)
