"""The next-level paths of a stored assessment, scored with its pinned framework (so a province's
overlay, efforts included, applies to its schools)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.assessments.service import AssessmentService
from services.scoring.engine import score
from services.scoring.engine.next_level import next_level
from services.scoring.engine.vocabulary import parse_input
from services.scoring.frameworks.registry import FrameworkRegistry
from services.scoring.insights.explain import path_json, titles
from services.scoring.insights.service import previous_year
from services.scoring.insights.service import pts as money
from shared.contracts import AssessmentKind
from shared.errors import Unprocessable
from shared.principal import Principal

OPTIONS_PER_GROUP = 3


async def next_level_of(
    session: AsyncSession,
    registry: FrameworkRegistry,
    p: Principal,
    code: str,
    year: str,
    kind: AssessmentKind,
) -> dict[str, Any]:
    svc = AssessmentService(session, registry)
    a = await svc.get(p, code, year, kind)  # scoped: out of scope is 404, like the assessment
    school = await svc.org.school(a.school_code)
    assert school is not None
    pub = svc.published(a)
    inp, errors = parse_input(pub.compiled, list(school.levels), a.facts, a.awarded)
    if inp is None:  # a stored document always validated when written; this guards old rows
        raise Unprocessable(errors=errors)
    base = score(pub.compiled, inp)
    paths = next_level(pub.compiled, inp, base, OPTIONS_PER_GROUP)
    t = titles(pub.framework)
    return {
        "school_code": a.school_code,
        "school_year": a.school_year,
        "kind": a.kind,
        "framework": a.framework,
        "version": a.version,
        "groups": [path_json(gp, a.facts, t) for gp in paths],
    }


async def school_year_on_year(
    session: AsyncSession,
    registry: FrameworkRegistry,
    p: Principal,
    code: str,
    year: str,
    kind: AssessmentKind,
) -> dict[str, Any]:
    svc = AssessmentService(session, registry)
    a = await svc.get(p, code, year, kind)
    prev_year = previous_year(year)
    b = await svc.repo.get(p, code, prev_year, kind.value)
    groups = []
    for g, pts, lv in (("1", "g1_points", "g1_level"), ("2", "g2_points", "g2_level")):
        now, then = getattr(a, pts), None if b is None else getattr(b, pts)
        now_l, then_l = getattr(a, lv), None if b is None else getattr(b, lv)
        groups.append(
            {
                "code": g,
                "points": money(now),
                "level": now_l,
                "previous_points": money(then),
                "previous_level": then_l,
                "change": None if now is None or then is None else money(now - then),
                "level_change": None if now_l is None or then_l is None else now_l - then_l,
            }
        )
    return {
        "school_code": code,
        "year": year,
        "previous_year": prev_year,
        "kind": kind.value,
        "state": a.state,
        "previous_state": None if b is None else b.state,
        "groups": groups,
    }
