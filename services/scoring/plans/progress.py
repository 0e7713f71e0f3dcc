"""A target's progress: the item's cap at the target fact against its cap at the next year's fact,
each scored with the framework its assessment pins (the engine's own rule, requirements aside)."""

from __future__ import annotations

from typing import Any

from services.scoring.assessments.models import Assessment
from services.scoring.assessments.service import AssessmentService
from services.scoring.engine.candidates import natural_cap
from services.scoring.engine.facts import Deployed, Mandatory
from services.scoring.engine.result import dec
from services.scoring.engine.vocabulary import parse_input
from services.scoring.plans.schemas import Progress


def _worth(svc: AssessmentService, a: Assessment, levels: list[str], item: str, raw: Any) -> int | None:
    """Hundredths of a point the fact is worth for a scored item; 100 / 0 for a condition met or
    not, a context fact deployed or not; None when the framework has no such code or no fact."""
    if raw is None:
        return 0
    cf = svc.published(a).compiled
    inp, _ = parse_input(cf, levels, {item: raw}, {})
    if inp is None or item not in inp.facts:
        return None
    f = inp.facts[item]
    if item in cf.items:
        return natural_cap(cf.items[item], f, inp)
    return 100 if (isinstance(f, Mandatory) and f.met) or (isinstance(f, Deployed) and f.deployed) else 0


def _pts(c: int | None) -> str | None:
    return None if c is None else f"{dec(c):.2f}"


def progress(
    svc: AssessmentService,
    levels: list[str],
    item: str,
    target: dict[str, Any],
    start: Assessment | None,
    against: Assessment | None,
    against_year: str,
) -> Progress:
    basis = start or against
    want = None if basis is None else _worth(svc, basis, levels, item, target)
    began = None if start is None else _worth(svc, start, levels, item, start.facts.get(item))
    if against is None:
        return Progress(
            status="no_assessment",
            against_year=against_year,
            target_points=_pts(want),
            reached_points=None,
            start_points=_pts(began),
            reached=None,
        )
    raw = against.facts.get(item)
    got = _worth(svc, against, levels, item, raw)
    if got is not None and want is not None and got >= want:
        status = "met"
    elif got is not None and began is not None and got > began:
        status = "improved"
    else:
        status = "not_met"
    return Progress(
        status=status,
        against_year=against_year,
        target_points=_pts(want),
        reached_points=_pts(got),
        start_points=_pts(began),
        reached=raw,
    )
