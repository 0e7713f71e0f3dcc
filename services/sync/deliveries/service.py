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
from services.sync.errors import DeliveryNotFound, NotDeadLettered, WithdrawalNotFound
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.contracts import AssessmentKind
from shared.db import utcnow
from shared.principal import Principal
from shared.scope import school_in_scope
from shared.scoring_client import ScoringClient


class DeliveryService:
    """Delivery operations of one request's session: status per school and year, and the manual
    re-sends of a dead-lettered delivery or withdrawal."""

    def __init__(self, s: AsyncSession) -> None:
        self.s = s

    async def resend(self, job_id: str, actor: str) -> DeliveryJob:
        """A dead-lettered job goes back to the queue with a fresh retry budget and the same key."""
        job = await DeliveryRepository(self.s).get(job_id)
        if job is None:
            raise DeliveryNotFound()
        if job.state != JobState.DEAD:
            raise NotDeadLettered(withdrawal=False, state=job.state)
        now = utcnow()
        job.state, job.attempts, job.next_attempt_at = JobState.PENDING, 0, now
        job.last_error, job.lease_until, job.claimed_by, job.updated_at = (
            None,
            None,
            f"resend:{actor}"[:64],
            now,
        )
        await self.s.flush()
        return job

    async def _requeue_withdrawal(self, w: DeliveryWithdrawal, actor: str) -> DeliveryWithdrawal:
        """A dead-lettered withdrawal goes back to the queue with a fresh retry budget and its key."""
        if w.state != WithdrawalState.DEAD:
            raise NotDeadLettered(withdrawal=True, state=w.state)
        now = utcnow()
        w.state, w.attempts, w.next_attempt_at, w.last_error = WithdrawalState.PENDING, 0, now, None
        w.lease_until, w.claimed_by, w.updated_at = None, f"resend:{actor}"[:64], now
        await self.s.flush()
        return w

    async def resend_in_scope(self, scoring: ScoringClient, p: Principal, job_id: str) -> DeliveryJob:
        """The manual re-send of a job whose school the caller may read: an unknown job is a plain
        404, a job of a school out of scope the same 404 as an unknown school."""
        job = await DeliveryRepository(self.s).get(job_id)
        if job is None:
            raise DeliveryNotFound()
        await school_in_scope(scoring, p, job.school_code)
        return await self.resend(job_id, p.sub)

    async def resend_withdrawal_in_scope(
        self, scoring: ScoringClient, p: Principal, withdrawal_id: str
    ) -> DeliveryWithdrawal:
        """A dead-lettered withdrawal (thu hồi) back in the queue with a fresh budget and its key, if
        its school is in the caller's scope (404 otherwise, like an unknown withdrawal) and it failed
        (409 otherwise)."""
        w = await WithdrawalRepository(self.s).get(withdrawal_id)
        job = await DeliveryRepository(self.s).get(w.job_id) if w else None
        if w is None or job is None:
            raise WithdrawalNotFound()
        await school_in_scope(scoring, p, job.school_code)
        return await self._requeue_withdrawal(w, p.sub)

    async def school_status(self, school: str, year: str) -> SchoolStatus:
        """Every delivery of the school and year with its attempts and withdrawal, and per kind the
        one that stands: the newest delivered version with no withdrawal asked for."""
        repo = DeliveryRepository(self.s)
        js = await repo.for_school(school, year)
        attempts = await repo.attempts_of([j.id for j in js])
        withdrawals = await WithdrawalRepository(self.s).of_jobs([j.id for j in js])
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
