"""Every query on withdrawals (thu hồi): requested when a delivered result is returned, reopened
or superseded, one per delivery job (so CSDL ngành is told exactly once), claimed like jobs.

A job that never reached CSDL needs no withdrawal: a pending job with no attempt yet is simply
cancelled. A job that may have reached it (delivered, in flight, or retrying or dead after an
attempt whose answer was lost) gets a withdrawal that waits until the job holds its receipt: the
job keeps its key, so CSDL answers with the record it already has, and that record is withdrawn.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deliveries.models import DeliveryJob, DeliveryWithdrawal, JobState, WithdrawalState
from services.sync.deliveries.sending import mark_failed_row
from shared.db import on_postgresql

MAY_HAVE_REACHED_CSDL = (JobState.IN_FLIGHT, JobState.DELIVERED, JobState.PENDING, JobState.DEAD)


def withdrawal_key(job_key: str) -> str:
    return hashlib.sha256(f"thu-hoi|{job_key}".encode()).hexdigest()


def _claimable(now: datetime) -> object:
    return and_(
        DeliveryJob.state == JobState.DELIVERED,
        or_(
            and_(
                DeliveryWithdrawal.state == WithdrawalState.PENDING, DeliveryWithdrawal.next_attempt_at <= now
            ),
            and_(DeliveryWithdrawal.state == WithdrawalState.IN_FLIGHT, DeliveryWithdrawal.lease_until < now),
        ),
    )


class WithdrawalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_jobs(self, job_ids: list[str]) -> dict[str, DeliveryWithdrawal]:
        if not job_ids:
            return {}
        q = select(DeliveryWithdrawal).where(DeliveryWithdrawal.job_id.in_(job_ids))
        return {w.job_id: w for w in (await self.session.execute(q)).scalars()}

    async def get(self, withdrawal_id: str) -> DeliveryWithdrawal | None:
        return await self.session.get(DeliveryWithdrawal, withdrawal_id)

    async def _request(
        self, jobs: list[DeliveryJob], reason: str, detail: str | None, event_id: int | None, now: datetime
    ) -> int:
        """A withdrawal for each job that has none yet; a job never attempted is cancelled instead."""
        have = await self.of_jobs([j.id for j in jobs])
        n = 0
        for j in jobs:
            if j.id in have:
                continue
            if j.state == JobState.PENDING and j.attempts == 0:
                j.state, j.updated_at = JobState.CANCELLED, now
                continue
            self.session.add(
                DeliveryWithdrawal(
                    job_id=j.id,
                    idempotency_key=withdrawal_key(j.idempotency_key),
                    reason=reason,
                    detail=(detail or None) and detail[:500],
                    event_id=event_id,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
            n += 1
        await self.session.flush()
        return n

    async def for_assessment(
        self, assessment_id: str, year: str, reason: str, detail: str | None, event_id: int, now: datetime
    ) -> int:
        """The assessment was returned or reopened: none of its results stands any more."""
        q = select(DeliveryJob).where(
            DeliveryJob.assessment_id == assessment_id,
            DeliveryJob.school_year == year,
            DeliveryJob.state.in_(MAY_HAVE_REACHED_CSDL),
        )
        return await self._request(
            list((await self.session.execute(q)).scalars()), reason, detail, event_id, now
        )

    async def supersede_delivered(
        self, school: str, year: str, kind: str, version: int, event_id: int, now: datetime
    ) -> int:
        """A newer version was approved: older results delivered (or being delivered) are withdrawn."""
        q = select(DeliveryJob).where(
            DeliveryJob.school_code == school,
            DeliveryJob.school_year == year,
            DeliveryJob.kind == kind,
            DeliveryJob.version < version,
            DeliveryJob.state.in_([JobState.IN_FLIGHT, JobState.DELIVERED]),
        )
        jobs = list((await self.session.execute(q)).scalars())
        return await self._request(jobs, "superseded", None, event_id, now)

    async def claim(
        self, worker: str, now: datetime, lease: float, limit: int
    ) -> list[tuple[DeliveryWithdrawal, DeliveryJob]]:
        until = now + timedelta(seconds=lease)
        base = (
            select(DeliveryWithdrawal, DeliveryJob)
            .join(DeliveryJob, DeliveryJob.id == DeliveryWithdrawal.job_id)
            .where(_claimable(now))
            .order_by(DeliveryWithdrawal.next_attempt_at)
            .limit(limit)
        )
        if on_postgresql(self.session):
            rows = list(
                (
                    await self.session.execute(base.with_for_update(skip_locked=True, of=DeliveryWithdrawal))
                ).all()
            )
            for w, _ in rows:
                w.state, w.lease_until, w.claimed_by, w.updated_at = (
                    WithdrawalState.IN_FLIGHT,
                    until,
                    worker,
                    now,
                )
            await self.session.flush()
            return [(w, j) for w, j in rows]
        claimed = []
        for w, j in (await self.session.execute(base)).all():
            # SQLite serialises writers: the condition is re-checked under its lock
            r = await self.session.execute(
                update(DeliveryWithdrawal)
                .where(
                    DeliveryWithdrawal.id == w.id,
                    or_(
                        DeliveryWithdrawal.state == WithdrawalState.PENDING,
                        and_(
                            DeliveryWithdrawal.state == WithdrawalState.IN_FLIGHT,
                            DeliveryWithdrawal.lease_until < now,
                        ),
                    ),
                )
                .values(state=WithdrawalState.IN_FLIGHT, lease_until=until, claimed_by=worker, updated_at=now)
            )
            if r.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append((w, j))
        for w, _ in claimed:
            await self.session.refresh(w)
        return claimed

    async def mark_done(self, w: DeliveryWithdrawal, withdrawn_at: datetime, now: datetime) -> None:
        """Any claimer may record it: the same key always yields the same withdrawal."""
        await self.session.execute(
            update(DeliveryWithdrawal)
            .where(DeliveryWithdrawal.id == w.id, DeliveryWithdrawal.state != WithdrawalState.DONE)
            .values(
                state=WithdrawalState.DONE,
                withdrawn_at=withdrawn_at,
                lease_until=None,
                last_error=None,
                attempts=DeliveryWithdrawal.attempts + 1,
                updated_at=now,
            )
        )
        await self.session.execute(
            update(DeliveryJob)
            .where(DeliveryJob.id == w.job_id, DeliveryJob.state == JobState.DELIVERED)
            .values(state=JobState.WITHDRAWN, updated_at=now)
        )

    async def mark_failed(
        self, w: DeliveryWithdrawal, worker: str, error: str, next_at: datetime | None, now: datetime
    ) -> bool:
        return await mark_failed_row(self.session, DeliveryWithdrawal, w.id, worker, error, next_at, now)
