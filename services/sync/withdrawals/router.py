"""`POST /api/v1/sync/withdrawals/{id}/resend`: a dead-lettered withdrawal back in the queue."""

from __future__ import annotations

from fastapi import APIRouter

from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.schemas import WithdrawalOut
from services.sync.deliveries.service import requeue_withdrawal
from services.sync.deps import PrincipalDep, ScoringDep, SessionDep
from services.sync.scope import require
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.errors import NotFound, problem_responses
from shared.principal import Role
from shared.scope import school_in_scope

router = APIRouter(prefix="/api/v1/sync", tags=["deliveries"])


@router.post(
    "/withdrawals/{withdrawal_id}/resend",
    response_model=WithdrawalOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def resend_withdrawal(
    withdrawal_id: str, p: PrincipalDep, session: SessionDep, scoring: ScoringDep
) -> WithdrawalOut:
    """Put a failed (dead-lettered) withdrawal back in the queue with a fresh budget and its key."""
    require(p, Role.ADMIN, Role.OFFICER)
    w = await WithdrawalRepository(session).get(withdrawal_id)
    job = await DeliveryRepository(session).get(w.job_id) if w else None
    if w is None or job is None:
        raise NotFound()
    await school_in_scope(scoring, p, job.school_code)
    return WithdrawalOut.model_validate(await requeue_withdrawal(session, w, p.sub), from_attributes=True)
