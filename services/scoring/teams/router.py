from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from services.scoring.council.audit import answer_version, trail_page
from services.scoring.council.schemas import AuditOut
from services.scoring.deps import PrincipalDep, SessionDep
from services.scoring.teams.schemas import TeamPlanOut, TeamPlanWrite
from services.scoring.teams.service import TeamService, plan_out
from shared.contracts import SchoolYear
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/api/v1/units/{unit_id}/teams/{year}", tags=["records"])


@router.get("", response_model=TeamPlanOut, responses=problem_responses(404))
async def get_teams(
    unit_id: str, year: SchoolYear, p: PrincipalDep, session: SessionDep, response: Response
) -> TeamPlanOut:
    """The unit's external-assessment teams of the year, their members and schedule."""
    t = await TeamService(session).get(p, unit_id, year)
    answer_version(response, t.version)
    return plan_out(t)


@router.put("", response_model=TeamPlanOut, responses=problem_responses(403, 404, 412, 422))
async def put_teams(
    unit_id: str,
    year: SchoolYear,
    body: TeamPlanWrite,
    p: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> TeamPlanOut:
    """Record the teams as the decision names them: members, roles, and which schools each team
    assesses on which day (each school once, only schools this unit assesses; audited)."""
    t, created = await TeamService(session).put(p, unit_id, year, body, if_match)
    answer_version(response, t.version, created)
    return plan_out(t)


@router.get("/audit", response_model=Page[AuditOut], responses=problem_responses(404, 422))
async def teams_audit(
    unit_id: str,
    year: SchoolYear,
    p: PrincipalDep,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[AuditOut]:
    """Every change to the teams: who, when, before and after; oldest first."""
    await TeamService(session).get(p, unit_id, year)
    return await trail_page(session, "teams", unit_id, year, cursor, limit)
