"""`POST /api/v1/sync/withdrawals/{id}/resend`: a dead-lettered withdrawal back in the queue."""

from __future__ import annotations

from fastapi import APIRouter

from services.sync.deliveries.models import WithdrawalState
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.schemas import WithdrawalOut
from services.sync.deps import PrincipalDep, ScoringDep, SessionDep
from services.sync.errors import WithdrawalNotFound
from services.sync.scope import require, school_in_scope
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.db import utcnow
from shared.errors import Conflict, problem_responses
from shared.i18n import msg
from shared.principal import Role

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
        raise WithdrawalNotFound()
    await school_in_scope(scoring, p, job.school_code)
    if w.state != WithdrawalState.DEAD:
        raise Conflict(
            msg("Chỉ gửi lại được lượt thu hồi đã thất bại.", "Only a failed withdrawal can be re-sent."),
            code="not_dead_lettered",
            state=w.state,
        )
    now = utcnow()
    w.state, w.attempts, w.next_attempt_at, w.last_error = WithdrawalState.PENDING, 0, now, None
    w.lease_until, w.claimed_by, w.updated_at = None, f"resend:{p.sub}"[:64], now
    await session.flush()
    return WithdrawalOut.model_validate(w, from_attributes=True)
