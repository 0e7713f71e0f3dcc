"""The calendar for the other services (`/internal/v1/deadlines`, service principals only): the
scoring service reads the edit lock from here where assessments are written. Sync owns the
calendar; scoring only reads it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.sync.deadlines.repository import DeadlineRepository
from services.sync.deadlines.schemas import CalendarOut
from services.sync.deps import PrincipalDep, SessionDep
from services.sync.scope import require
from shared.contracts import AssessmentKind, SchoolYear
from shared.errors import problem_responses
from shared.principal import Role

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get("/deadlines", response_model=CalendarOut, responses=problem_responses(401, 403, 422))
async def internal_calendar(
    p: PrincipalDep,
    session: SessionDep,
    school_year: Annotated[SchoolYear, Query()],
    province: Annotated[str | None, Query(max_length=8)] = None,
) -> CalendarOut:
    """The school year's deadlines for a province (its overrides, else the national dates)."""
    require(p, Role.SERVICE)
    repo = DeadlineRepository(session)
    return CalendarOut(
        school_year=school_year,
        province_code=province,
        deadlines=[await repo.deadline(province, school_year, k) for k in AssessmentKind],
    )
