"""The sync service's own Prometheus series: the delivery queue, read from the jobs table at
scrape time (several worker processes share it, so no one process's counters could say)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.sync.deliveries.models import DeliveryJob, DeliveryWithdrawal, JobState, WithdrawalState
from shared.db import utcnow

# read from the database at each scrape: with several uvicorn workers (Prometheus multiprocess
# mode) the freshest value is the one to report, not one series per worker process
QUEUE_DEPTH = Gauge("chiso_sync_jobs", "Delivery jobs by state", ["state"], multiprocess_mode="mostrecent")
WITHDRAWALS = Gauge(
    "chiso_sync_withdrawals", "Withdrawals (thu hồi) by state", ["state"], multiprocess_mode="mostrecent"
)
UNSENT = [JobState.PENDING.value, JobState.IN_FLIGHT.value]
OLDEST_PENDING = Gauge(
    "chiso_sync_oldest_pending_seconds",
    "Age of the oldest job not yet delivered (0 when none)",
    multiprocess_mode="mostrecent",
)


def refresher(get_factory: Callable[[], async_sessionmaker[AsyncSession]]) -> Callable[[], Awaitable[None]]:
    async def refresh() -> None:
        job_state = col(DeliveryJob.state)
        by_state = select(job_state, func.count()).group_by(job_state)
        oldest_q = select(func.min(DeliveryJob.created_at)).where(job_state.in_(UNSENT))
        w_state = col(DeliveryWithdrawal.state)
        w_by_state = select(w_state, func.count()).group_by(w_state)
        async with get_factory()() as s:
            counts: dict[str, int] = dict((await s.execute(by_state)).all())
            oldest = (await s.execute(oldest_q)).scalar_one_or_none()
            withdrawals: dict[str, int] = dict((await s.execute(w_by_state)).all())
        for state in JobState:
            QUEUE_DEPTH.labels(state.value).set(counts.get(state.value, 0))
        for ws in WithdrawalState:
            WITHDRAWALS.labels(ws.value).set(withdrawals.get(ws.value, 0))
        OLDEST_PENDING.set((utcnow() - oldest).total_seconds() if oldest is not None else 0)

    return refresh
