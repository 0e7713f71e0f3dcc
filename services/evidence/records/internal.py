"""Evidence references, checked for the scoring service when an assessment is written
(`POST /internal/v1/evidence/check`, service principals only). One query for the whole request,
so a bulk write costs one round trip however many rows cite evidence."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import col

from services.evidence.deps import SessionDep
from services.evidence.permissions import InternalCaller
from services.evidence.records.models import Evidence
from shared.errors import problem_responses

router = APIRouter(prefix="/internal/v1/evidence", tags=["internal"])
MAX_REFS = 10_000

# `not_found` also answers another school's evidence: its existence is not revealed
RefState = Literal["ok", "not_found", "deleted", "other_year"]


class Ref(BaseModel):
    school_code: str = Field(max_length=32)
    school_year: str = Field(max_length=9)
    evidence_id: str = Field(max_length=40)


class CheckIn(BaseModel):
    refs: list[Ref] = Field(max_length=MAX_REFS)


class CheckOut(BaseModel):
    states: list[RefState] = Field(description="one per ref, in order")


def state(ev: Evidence | None, ref: Ref) -> RefState:
    if ev is None or ev.school_code != ref.school_code:
        return "not_found"
    if ev.deleted_at is not None:
        return "deleted"
    # evidence is uploaded for a school year (its catalogue codes are numbered per year)
    return "ok" if ev.school_year == ref.school_year else "other_year"


@router.post("/check", response_model=CheckOut, responses=problem_responses(401, 403, 422))
async def check_refs(body: CheckIn, _: InternalCaller, session: SessionDep) -> CheckOut:
    """Whether each evidence id exists, belongs to the school and year, and is not deleted."""
    ids = sorted({r.evidence_id for r in body.refs})
    found = {
        e.id: e for e in (await session.execute(select(Evidence).where(col(Evidence.id).in_(ids)))).scalars()
    }
    return CheckOut(states=[state(found.get(r.evidence_id), r) for r in body.refs])
