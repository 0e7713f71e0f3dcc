"""Delivery status per school and year, and the manual re-send."""

from __future__ import annotations

from fastapi import APIRouter

from services.sync.deliveries.schemas import DeliveryOut, SchoolStatus
from services.sync.deliveries.service import DeliveryService
from services.sync.deps import ScoringDep, SessionDep
from services.sync.permissions import Resender, SchoolCodeP, SchoolInScope
from shared.contracts import SchoolYear
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/sync", tags=["deliveries"])


@router.get(
    "/schools/{code}/years/{school_year}",
    response_model=SchoolStatus,
    responses=problem_responses(401, 403, 404, 422),
)
async def status(
    code: SchoolCodeP, school_year: SchoolYear, school: SchoolInScope, session: SessionDep
) -> SchoolStatus:
    """What was sent for a school and year, when, the receipts, attempts and errors."""
    # `code` is declared here too so the OpenAPI document lists it first, as before
    return await DeliveryService(session).school_status(school.code, school_year)


@router.post(
    "/deliveries/{delivery_id}/resend",
    response_model=DeliveryOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def manual_resend(
    delivery_id: str, p: Resender, session: SessionDep, scoring: ScoringDep
) -> DeliveryOut:
    """Put a failed (dead-lettered) delivery back in the queue with a fresh retry budget."""
    job = await DeliveryService(session).resend_in_scope(scoring, p, delivery_id)
    return DeliveryOut.model_validate(job, from_attributes=True)
