"""Internal: each school's assessment state of a year and kind, for sync's e-mail reminders (who
has not submitted, whose queue waits). One grouped-free query over the (year, kind, state) index."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import col

from services.scoring.assessments.models import Assessment
from services.scoring.deps import SessionDep
from services.scoring.permissions import InternalCaller
from shared.contracts import AssessmentKind, SchoolYear
from shared.errors import problem_responses

router = APIRouter(prefix="/internal/v1", tags=["internal"])


class SchoolState(BaseModel):
    school_code: str
    state: str


@router.get("/assessment-states", response_model=list[SchoolState], responses=problem_responses(401, 403))
async def assessment_states(
    _: InternalCaller, session: SessionDep, school_year: SchoolYear, kind: AssessmentKind
) -> list[SchoolState]:
    """Schools with an assessment of this year and kind, and its state (no row: not started)."""
    q = select(col(Assessment.school_code), col(Assessment.state)).where(
        Assessment.school_year == school_year,  # type: ignore[arg-type]
        Assessment.kind == kind.value,  # type: ignore[arg-type]
    )
    return [SchoolState(school_code=c, state=str(s)) for c, s in await session.execute(q)]
