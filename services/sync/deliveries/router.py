"""Delivery status per school and year, and the manual re-send."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.schemas import DeliveryOut, SchoolStatus
from services.sync.deliveries.service import resend, school_status
from services.sync.deps import PrincipalDep, ScoringDep, SessionDep
from services.sync.errors import DeliveryNotFound
from services.sync.scope import READERS, require, school_in_scope
from shared.contracts import SchoolYear
from shared.errors import problem_responses
from shared.principal import Role

router = APIRouter(prefix="/api/v1/sync", tags=["deliveries"])
SCHOOL_CODE_PATTERN = r"^[0-9A-Za-z]{4,32}$"
SchoolCodeP = Annotated[str, Path(pattern=SCHOOL_CODE_PATTERN, description="school code (mã trường)")]


@router.get(
    "/schools/{code}/years/{school_year}",
    response_model=SchoolStatus,
    responses=problem_responses(401, 403, 404, 422),
)
async def status(
    code: SchoolCodeP, school_year: SchoolYear, p: PrincipalDep, session: SessionDep, scoring: ScoringDep
) -> SchoolStatus:
    """What was sent for a school and year, when, the receipts, attempts and errors."""
    require(p, *READERS)
    await school_in_scope(scoring, p, code)
    return await school_status(session, code, school_year)


@router.post(
    "/deliveries/{delivery_id}/resend",
    response_model=DeliveryOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def manual_resend(
    delivery_id: str, p: PrincipalDep, session: SessionDep, scoring: ScoringDep
) -> DeliveryOut:
    """Put a failed (dead-lettered) delivery back in the queue with a fresh retry budget."""
    require(p, Role.ADMIN, Role.OFFICER)
    job = await DeliveryRepository(session).get(delivery_id)
    if job is None:
        raise DeliveryNotFound()
    await school_in_scope(scoring, p, job.school_code)
    return DeliveryOut.model_validate(await resend(session, delivery_id, p.sub), from_attributes=True)
