from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from services.scoring.council.audit import answer_version, trail_page
from services.scoring.council.schemas import AuditOut, CouncilOut, CouncilWrite
from services.scoring.council.service import CouncilService, council_out
from services.scoring.deps import PrincipalDep, SessionDep
from shared.contracts import SchoolYear
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/api/v1/schools/{code}/council/{year}", tags=["records"])


@router.get("", response_model=CouncilOut, responses=problem_responses(404))
async def get_council(
    code: str, year: SchoolYear, p: PrincipalDep, session: SessionDep, response: Response
) -> CouncilOut:
    """The school's self-assessment council (hội đồng tự đánh giá) of the year."""
    c = await CouncilService(session).get(p, code, year)
    answer_version(response, c.version)
    return council_out(c)


@router.put("", response_model=CouncilOut, responses=problem_responses(403, 404, 412, 422))
async def put_council(
    code: str,
    year: SchoolYear,
    body: CouncilWrite,
    p: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> CouncilOut:
    """Record the council as the head's decision names it: members, roles and tasks (audited)."""
    c, created = await CouncilService(session).put(p, code, year, body, if_match)
    answer_version(response, c.version, created)
    return council_out(c)


@router.get("/audit", response_model=Page[AuditOut], responses=problem_responses(404, 422))
async def council_audit(
    code: str,
    year: SchoolYear,
    p: PrincipalDep,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[AuditOut]:
    """Every change to the council: who, when, before and after; oldest first."""
    await CouncilService(session).get(p, code, year)
    return await trail_page(session, "council", code, year, cursor, limit)
