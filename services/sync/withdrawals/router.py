"""`POST /api/v1/sync/withdrawals/{id}/resend`: a dead-lettered withdrawal back in the queue."""

from __future__ import annotations

from fastapi import APIRouter

from services.sync.deliveries.schemas import WithdrawalOut
from services.sync.deliveries.service import DeliveryService
from services.sync.deps import ScoringDep, SessionDep
from services.sync.permissions import Resender
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/sync", tags=["deliveries"])


@router.post(
    "/withdrawals/{withdrawal_id}/resend",
    response_model=WithdrawalOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def resend_withdrawal(
    withdrawal_id: str, p: Resender, session: SessionDep, scoring: ScoringDep
) -> WithdrawalOut:
    """Put a failed (dead-lettered) withdrawal back in the queue with a fresh budget and its key."""
    w = await DeliveryService(session).resend_withdrawal_in_scope(scoring, p, withdrawal_id)
    return WithdrawalOut.model_validate(w, from_attributes=True)
