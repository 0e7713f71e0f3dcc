"""Routes on one school's assessment: the path to the next level and the improvement plan."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from services.scoring.deps import PrincipalDep, RegistryDep, SessionDep
from services.scoring.insights.next_level import next_level_of, school_year_on_year
from services.scoring.plans.schemas import PlanIn, PlanOut
from services.scoring.plans.service import PlanService
from shared.contracts import AssessmentKind
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/schools/{code}/assessments/{year}", tags=["insights"])
Kind = Annotated[AssessmentKind, Path(description="`self` (tự đánh giá) or `external` (đánh giá ngoài)")]


@router.get("/{kind}/next-level", responses=problem_responses(404, 422))
async def get_next_level(
    code: str, year: str, kind: Kind, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> dict[str, Any]:
    """Per group, the cheapest sets of fact changes that reach the next level (each irredundant,
    ranked by the framework's effort weights, scored again by the engine), explained in vi/en;
    unmet mandatory conditions are part of every option (I-6 strict)."""
    return await next_level_of(session, registry, p, code, year, kind)


@router.get("/{kind}/year-on-year", responses=problem_responses(404, 422))
async def get_year_on_year(
    code: str, year: str, kind: Kind, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> dict[str, Any]:
    """This assessment against the same kind last year, per group: points, level and the change
    (last year's is null when there is none). Any state: the school sees its draft move too."""
    return await school_year_on_year(session, registry, p, code, year, kind)


@router.get("/plan", response_model=PlanOut, responses=problem_responses(404, 422))
async def get_plan(
    code: str, year: str, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> PlanOut:
    """The year's improvement plan (attached to its self-assessment): each target with its progress
    against the next year's facts, and last year's targets carried in with their progress now."""
    return await PlanService(session, registry).get(p, code, year)


@router.put("/plan", response_model=PlanOut, responses=problem_responses(403, 404, 422))
async def put_plan(
    code: str, year: str, body: PlanIn, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> PlanOut:
    """Replace the year's targets (item, target fact, owner, due date, note), all or nothing. Each
    target is checked against the facts vocabulary of the assessment's framework; due dates lie
    between the plan year's 1 August and the next year's 31 July."""
    return await PlanService(session, registry).put(p, code, year, body)
