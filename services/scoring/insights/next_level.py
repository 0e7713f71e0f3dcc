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
