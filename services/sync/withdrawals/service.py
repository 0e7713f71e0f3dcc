"""The manual re-send of a dead-lettered withdrawal (thu hồi)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deliveries.models import DeliveryWithdrawal, WithdrawalState
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.scope import school_in_scope
from services.sync.scoring_client import ScoringClient
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.db import utcnow
from shared.errors import Conflict, NotFound
from shared.i18n import msg
from shared.principal import Principal


async def resend_in_scope(
    s: AsyncSession, scoring: ScoringClient, p: Principal, withdrawal_id: str
) -> DeliveryWithdrawal:
    """Back in the queue with a fresh budget and its key, if its school is in the caller's scope
    (404 otherwise, like an unknown withdrawal) and it failed (409 otherwise)."""
    w = await WithdrawalRepository(s).get(withdrawal_id)
    job = await DeliveryRepository(s).get(w.job_id) if w else None
    if w is None or job is None:
        raise NotFound()
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
    await s.flush()
    return w
