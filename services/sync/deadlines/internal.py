"""The calendar for the other services (`/internal/v1/deadlines`, service principals only): the
scoring service reads the edit lock from here where assessments are written. Sync owns the
calendar; scoring only reads it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.sync.deadlines.schemas import CalendarOut
from services.sync.deadlines.service import DeadlineService
from services.sync.deps import ScoringDep, SessionDep
from services.sync.permissions import InternalCaller
from shared.contracts import SchoolYear
from shared.errors import problem_responses

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get("/deadlines", response_model=CalendarOut, responses=problem_responses(401, 403, 422))
async def internal_calendar(
    p: InternalCaller,
    session: SessionDep,
    scoring: ScoringDep,
    school_year: Annotated[SchoolYear, Query()],
    province: Annotated[str | None, Query(max_length=8)] = None,
) -> CalendarOut:
    """The school year's deadlines for a province (its overrides, else the national dates)."""
    return await DeadlineService(session, scoring).calendar(school_year, province)
