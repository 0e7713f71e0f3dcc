"""Aggregates for the Sở dashboards (the gateway's GraphQL fetches them with DataLoaders)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.scoring.dashboard.repository import Filters
from services.scoring.dashboard.schemas import SchoolPage, Summaries, SummariesRequest, UnitSummary
from services.scoring.dashboard.service import DashboardService
from services.scoring.deps import PrincipalDep, RegistryDep, SessionDep
from shared.errors import problem_responses
from shared.pagination import Cursor, IncludeTotal, Limit, decode_one
from shared.params import SchoolYearQuery

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
Year = SchoolYearQuery  # `school_year`, `year` still accepted
Level = Annotated[int | None, Query(ge=1, le=3)]


@router.get("/units/{unit_id}/summary", response_model=UnitSummary, responses=problem_responses(404, 422))
async def unit_summary(
    unit_id: str, year: Year, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> UnitSummary:
    """Counts by state, level distribution per group (also per school level and per ownership),
    average points per criterion with its title and maximum, and per item the share of finished
    assessments awarded its points, for the schools under a unit that the caller may see."""
    return await DashboardService(session, registry).summary(p, year, unit_id)


@router.post("/summaries", response_model=Summaries, responses=problem_responses(422))
async def summaries(
    body: SummariesRequest, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> Summaries:
    """The same summary for many units at once, in request order; units the caller may not see
    are left out."""
    return Summaries(
        items=await DashboardService(session, registry).summaries(p, body.the_school_year(), body.unit_ids)
    )


@router.get("/schools", response_model=SchoolPage, responses=problem_responses(422))
async def schools(
    year: Year,
    p: PrincipalDep,
    session: SessionDep,
    unit: str | None = None,
    level: str | None = None,
    state: str | None = None,
    external_state: str | None = None,
    g1_level: Level = None,
    g2_level: Level = None,
    code: Annotated[str | None, Query(max_length=32, description="one school, by its code")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
    include_total: IncludeTotal = False,
) -> SchoolPage:
    """Schools the caller may see with their self and external assessment of the year, filtered
    by unit subtree, school level, state and group levels, by school code. `total` is null unless
    `include_total=true`."""
    f = Filters(unit, level, state, external_state, g1_level, g2_level, code)
    return await DashboardService(session).schools(p, year, f, decode_one(cursor), limit, include_total)
