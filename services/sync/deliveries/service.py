"""Delivery operations the API exposes: status per school and year, and the manual re-send."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deliveries.models import (
    DeliveryJob,
    DeliveryWithdrawal,
    JobState,
    WithdrawalState,
    standing,
)
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.schemas import AttemptOut, DeliveryOut, SchoolStatus, WithdrawalOut
from services.sync.errors import DeliveryNotFound, NotDeadLettered
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.contracts import AssessmentKind
from shared.db import utcnow
from shared.principal import Principal
from shared.scope import school_in_scope
from shared.scoring_client import ScoringClient


async def resend(s: AsyncSession, job_id: str, actor: str) -> DeliveryJob:
    """A dead-lettered job goes back to the queue with a fresh retry budget and the same key."""
    repo = DeliveryRepository(s)
    job = await repo.get(job_id)
    if job is None:
        raise DeliveryNotFound()
    if job.state != JobState.DEAD:
        raise NotDeadLettered(withdrawal=False, state=job.state)
    now = utcnow()
    job.state, job.attempts, job.next_attempt_at = JobState.PENDING, 0, now
    job.last_error, job.lease_until, job.claimed_by, job.updated_at = None, None, f"resend:{actor}"[:64], now
    await s.flush()
    return job


async def requeue_withdrawal(s: AsyncSession, w: DeliveryWithdrawal, actor: str) -> DeliveryWithdrawal:
    """A dead-lettered withdrawal goes back to the queue with a fresh retry budget and its key."""
    if w.state != WithdrawalState.DEAD:
        raise NotDeadLettered(withdrawal=True, state=w.state)
    now = utcnow()
    w.state, w.attempts, w.next_attempt_at, w.last_error = WithdrawalState.PENDING, 0, now, None
    w.lease_until, w.claimed_by, w.updated_at = None, f"resend:{actor}"[:64], now
    await s.flush()
    return w


async def resend_in_scope(s: AsyncSession, scoring: ScoringClient, p: Principal, job_id: str) -> DeliveryJob:
    """The manual re-send of a job whose school the caller may read: an unknown job is a plain
    404, a job of a school out of scope the same 404 as an unknown school."""
    job = await DeliveryRepository(s).get(job_id)
    if job is None:
        raise DeliveryNotFound()
    await school_in_scope(scoring, p, job.school_code)
    return await resend(s, job_id, p.sub)


async def school_status(s: AsyncSession, school: str, year: str) -> SchoolStatus:
    """Every delivery of the school and year with its attempts and withdrawal, and per kind the
    one that stands: the newest delivered version with no withdrawal asked for."""
    repo = DeliveryRepository(s)
    js = await repo.for_school(school, year)
    attempts = await repo.attempts_of([j.id for j in js])
    withdrawals = await WithdrawalRepository(s).of_jobs([j.id for j in js])
    by_job: dict[str, list[AttemptOut]] = {}
    for a in attempts:
        by_job.setdefault(a.job_id, []).append(AttemptOut.model_validate(a, from_attributes=True))
    current: dict[str, str | None] = {}
    for kind in AssessmentKind:
        stands = standing([j for j in js if j.kind == kind.value and j.id not in withdrawals])
        current[kind.value] = stands.id if stands else None
    out = []
    for j in js:
        w = withdrawals.get(j.id)
        out.append(
            DeliveryOut.model_validate(j, from_attributes=True).model_copy(
                update={
                    "attempt_log": by_job.get(j.id, []),
                    "current": j.id in current.values(),
                    "withdrawal": WithdrawalOut.model_validate(w, from_attributes=True) if w else None,
                }
            )
        )
    return SchoolStatus(school_code=school, school_year=year, current=current, deliveries=out)
