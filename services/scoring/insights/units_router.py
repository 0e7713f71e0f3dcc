"""Analytics over a unit's schools (and a province's ranking), scoped to what the caller may see."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from services.scoring.deps import PrincipalDep, SessionDep
from services.scoring.insights.schemas import GoodModels, SelfVsExternal, Transitions, YearOnYear
from services.scoring.insights.service import InsightsService
from services.scoring.units.service import UnitAssessmentService
from services.scoring.units.timeliness import SyncTimeliness
from shared.contracts import AssessmentKind, SchoolLevel
from shared.errors import problem_responses
from shared.pagination import Cursor, IncludeTotal, Limit, decode_one
from shared.params import SchoolYearQuery

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])
Year = SchoolYearQuery  # `school_year`, `year` still accepted
KindQ = Annotated[AssessmentKind, Query(description="`self` or `external`")]
Group = Annotated[Literal["1", "2"], Query(description="group of criteria")]


@router.get("/units/{unit_id}/year-on-year", response_model=YearOnYear, responses=problem_responses(404, 422))
async def year_on_year(
    unit_id: str,
    year: Year,
    p: PrincipalDep,
    session: SessionDep,
    kind: KindQ = AssessmentKind.SELF,
    cursor: Cursor = None,
    limit: Limit = 100,
    include_total: IncludeTotal = False,
) -> dict[str, Any]:
    """Per school under the unit with a finished assessment this year: points and level per group,
    last year's, and the change (null where last year's is missing); by school code. `total` with
    `include_total=true`."""
    after = decode_one(cursor)
    svc = InsightsService(session)
    return await svc.year_on_year(p, unit_id, year, kind.value, after, limit, include_total)


@router.get("/units/{unit_id}/transitions", response_model=Transitions, responses=problem_responses(404, 422))
async def transitions(
    unit_id: str,
    year: Year,
    p: PrincipalDep,
    session: SessionDep,
    kind: KindQ = AssessmentKind.SELF,
    group: Annotated[Literal["1", "2", "overall"], Query()] = "1",
) -> dict[str, Any]:
    """Schools moving from each level last year to each level this year (one GROUP BY)."""
    return await InsightsService(session).transitions(p, unit_id, year, kind.value, group)


@router.get(
    "/units/{unit_id}/self-vs-external", response_model=SelfVsExternal, responses=problem_responses(404, 422)
)
async def self_vs_external(unit_id: str, year: Year, p: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """Per criterion (and group): mean of self minus external points, share of schools whose
    self-assessment is higher, and the schools flagged by the median/MAD test."""
    return await InsightsService(session).self_vs_external(p, unit_id, year)


@router.get("/provinces/{province}/good-models", response_model=GoodModels, responses=problem_responses(422))
async def good_models(
    province: str,
    year: Year,
    p: PrincipalDep,
    session: SessionDep,
    kind: KindQ = AssessmentKind.SELF,
    group: Group = "1",
    school_level: SchoolLevel | None = None,
    unit: str | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> dict[str, Any]:
    """Điển hình: the province's schools the caller may see, ranked by the group's points, ties
    sharing a rank; filtered by school level and managing unit (its subtree). By rank, then code.
    `total` is always given: the ranking is taken over the whole filtered set anyway."""
    lv = None if school_level is None else school_level.value
    svc = InsightsService(session)
    return await svc.good_models(p, province, year, kind.value, group, lv, unit, cursor, limit)


@router.get("/units/{unit_id}/unit-assessment", responses=problem_responses(404, 422, 503))
async def unit_assessment(
    unit_id: str,
    year: Year,
    p: PrincipalDep,
    session: SessionDep,
    request: Request,
    framework: Annotated[str, Query(max_length=64, description="unit framework id")] = "example-unit-phong",
) -> dict[str, Any]:
    """The unit's own assessment under a unit framework: each indicator aggregated over the schools
    managed in its subtree (exact numerator / denominator), scored by the engine. The shipped
    framework is an example (`example: true`), not an official index."""
    timeliness = SyncTimeliness(request.app.state.calendar)
    return await UnitAssessmentService(session, timeliness).assess(p, unit_id, year, framework)
