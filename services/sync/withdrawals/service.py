"""The manual re-send of a dead-lettered withdrawal (thu hồi)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deliveries.models import DeliveryWithdrawal
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.service import requeue_withdrawal
from services.sync.errors import WithdrawalNotFound
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.principal import Principal
from shared.scope import school_in_scope
from shared.scoring_client import ScoringClient


async def resend_in_scope(
    s: AsyncSession, scoring: ScoringClient, p: Principal, withdrawal_id: str
) -> DeliveryWithdrawal:
    """Back in the queue with a fresh budget and its key, if its school is in the caller's scope
    (404 otherwise, like an unknown withdrawal) and it failed (409 otherwise)."""
    w = await WithdrawalRepository(s).get(withdrawal_id)
    job = await DeliveryRepository(s).get(w.job_id) if w else None
    if w is None or job is None:
        raise WithdrawalNotFound()
    await school_in_scope(scoring, p, job.school_code)
    return await requeue_withdrawal(s, w, p.sub)
