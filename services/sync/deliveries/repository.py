"""Every query on delivery jobs: enqueue (dedupe, supersede), claim (row locks), finish.

Claiming: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` so workers in any number of processes
take disjoint jobs without waiting on each other. SQLite has no row locks; there a candidate is
taken with a conditional `UPDATE … WHERE id = :id AND <still claimable>` and only a changed row
counts as claimed (SQLite serialises writers, so the condition is re-checked under its lock).
Either way a claim is a lease: a job whose worker died is claimable again once the lease runs out,
and is re-sent with the same Idempotency-Key, so CSDL answers with the receipt it already gave.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deliveries.models import DeliveryAttempt, DeliveryJob, DeliveryWithdrawal, JobState
from services.sync.deliveries.sending import mark_failed_row
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.contracts import AssessmentSnapshot
from shared.db import on_postgresql


def idempotency_key(school: str, year: str, kind: str, content_hash: str) -> str:
    return hashlib.sha256(f"{school}|{year}|{kind}|{content_hash}".encode()).hexdigest()


def _due(now: datetime) -> object:
    """Waiting jobs whose backoff (if any) has run out."""
    return and_(DeliveryJob.state == JobState.PENDING, DeliveryJob.next_attempt_at <= now)


def _orphaned(now: datetime) -> object:
    """Claimed jobs whose worker let the lease run out (it died): claimable again."""
    return and_(DeliveryJob.state == JobState.IN_FLIGHT, DeliveryJob.lease_until < now)


def _claimable(now: datetime) -> object:
    return or_(_due(now), _orphaned(now))


# A job's place in line is set when it is made: its deadline, then the feed's order. A retry waits
# out its backoff and then takes that place back; ordering by `next_attempt_at` instead sent every
# retry behind all the jobs queued meanwhile, so under a backlog a 0.1 s backoff became "wait until
# the queue is empty" (bench/sync.py at 3,000 results: retries claimed a median 8-10 s after they
# fell due, all in the run's last seconds). The claim index serves this order, so a claim reads a
# few index entries instead of sorting the backlog.
LINE = (DeliveryJob.deadline, DeliveryJob.event_id, DeliveryJob.id)


GONE = (JobState.SUPERSEDED, JobState.CANCELLED, JobState.WITHDRAWN)


def _standing(q: Select[Any]) -> Select[Any]:
    """Restrict to jobs whose result stands or may yet: no withdrawal asked for, not gone."""
    return q.outerjoin(DeliveryWithdrawal, DeliveryWithdrawal.job_id == DeliveryJob.id).where(
        DeliveryWithdrawal.id.is_(None), DeliveryJob.state.not_in(GONE)
    )


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _pg(self) -> bool:
        return on_postgresql(self.session)

    async def by_key(self, key: str) -> DeliveryJob | None:
        q = select(DeliveryJob).where(DeliveryJob.idempotency_key == key)
        return (await self.session.execute(q)).scalar_one_or_none()

    async def get(self, job_id: str) -> DeliveryJob | None:
        return await self.session.get(DeliveryJob, job_id)

    async def newest_version(self, school: str, year: str, kind: str) -> int:
        q = select(func.coalesce(func.max(DeliveryJob.version), 0)).where(
            DeliveryJob.school_code == school, DeliveryJob.school_year == year, DeliveryJob.kind == kind
        )
        return int((await self.session.execute(q)).scalar_one())

    async def supersede_older(self, school: str, year: str, kind: str, version: int, now: datetime) -> int:
        """Older versions not yet sent are dropped (one in flight finishes; the newer follows it)."""
        r = await self.session.execute(
            update(DeliveryJob)
            .where(
                DeliveryJob.school_code == school,
                DeliveryJob.school_year == year,
                DeliveryJob.kind == kind,
                DeliveryJob.version < version,
                DeliveryJob.state.in_([JobState.PENDING, JobState.DEAD]),
            )
            .values(state=JobState.SUPERSEDED, updated_at=now)
        )
        return int(r.rowcount or 0)  # type: ignore[attr-defined]

    async def enqueue(self, snap: AssessmentSnapshot, event_id: int, deadline: date, now: datetime) -> str:
        """One job per distinct content: `created`, `duplicate`, `revived` or `stale`. Older results
        that reached CSDL are withdrawn (superseded) once a newer version is queued."""
        kind = snap.kind.value
        key = idempotency_key(snap.school_code, snap.school_year, kind, snap.content_hash)
        existing = await self.by_key(key)
        if existing is not None and await self._withdrawn(existing):
            # that content's record was withdrawn from CSDL: sending it again is a new record, so
            # it needs its own key (the old one would be answered with the withdrawn record)
            key = idempotency_key(
                snap.school_code, snap.school_year, kind, f"{snap.content_hash}|v{snap.version}"
            )
            existing = await self.by_key(key)
        newest = await self.newest_version(snap.school_code, snap.school_year, kind)
        if existing is not None:
            comeback = existing.state in (JobState.SUPERSEDED, JobState.CANCELLED)
            if not comeback or snap.version <= newest:
                return "duplicate"
            # the same content came back after a newer one (re-approval of an earlier text)
            existing.state, existing.version = JobState.PENDING, snap.version
            existing.payload = snap.model_dump(mode="json")
            existing.event_id, existing.attempts, existing.next_attempt_at = event_id, 0, now
            existing.updated_at = now
            await self._supersede(snap, event_id, now)
            await self.session.flush()
            return "revived"
        stale = snap.version < newest
        self.session.add(self._job(snap, key, event_id, deadline, stale, now))
        if not stale:
            await self._supersede(snap, event_id, now)
        await self.session.flush()
        return "stale" if stale else "created"

    def _job(
        self, snap: AssessmentSnapshot, key: str, event_id: int, deadline: date, stale: bool, now: datetime
    ) -> DeliveryJob:
        return DeliveryJob(
            idempotency_key=key,
            school_code=snap.school_code,
            province_code=snap.province_code,
            school_year=snap.school_year,
            kind=snap.kind.value,
            assessment_id=snap.assessment_id,
            version=snap.version,
            content_hash=snap.content_hash,
            event_id=event_id,
            payload=snap.model_dump(mode="json"),
            deadline=deadline,
            state=JobState.SUPERSEDED if stale else JobState.PENDING,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )

    async def _supersede(self, snap: AssessmentSnapshot, event_id: int, now: datetime) -> None:
        school, year, kind, version = snap.school_code, snap.school_year, snap.kind.value, snap.version
        await self.supersede_older(school, year, kind, version, now)
        await WithdrawalRepository(self.session).supersede_delivered(
            school, year, kind, version, event_id, now
        )

    async def _withdrawn(self, job: DeliveryJob) -> bool:
        """Withdrawn from CSDL, or about to be: its key can no longer deliver a standing record."""
        return job.state == JobState.WITHDRAWN or bool(
            await WithdrawalRepository(self.session).of_jobs([job.id])
        )

    async def next_due(self) -> datetime | None:
        """When the earliest waiting retry falls due (None: nothing waits), so an idle worker
        wakes for it rather than a fixed tick later (ix_delivery_job_due: one index entry)."""
        q = select(func.min(DeliveryJob.next_attempt_at)).where(DeliveryJob.state == JobState.PENDING)
        due: datetime | None = (await self.session.execute(q)).scalar_one_or_none()
        return None if due is None else (due.replace(tzinfo=UTC) if due.tzinfo is None else due)

    async def claim(self, worker: str, now: datetime, lease: float, limit: int) -> list[DeliveryJob]:
        """Up to `limit` jobs under a lease: orphaned ones first (their worker died, they waited a
        lease already), then due ones in line (`LINE`). Two queries rather than one `OR`, so each
        is an index range in order: one sorted the whole backlog on every claim (40 ms at 30,000
        waiting jobs on PostgreSQL, as the sort sits under the row locks and cannot stop at
        `limit`)."""
        until = now + timedelta(seconds=lease)
        orphaned = select(DeliveryJob).where(_orphaned(now)).order_by(*LINE).limit(limit)
        due = select(DeliveryJob).where(_due(now)).order_by(*LINE)
        if self._pg:
            jobs = list((await self.session.execute(orphaned.with_for_update(skip_locked=True))).scalars())
            if len(jobs) < limit:
                q = due.limit(limit - len(jobs)).with_for_update(skip_locked=True)
                jobs += list((await self.session.execute(q)).scalars())
            for j in jobs:
                j.state, j.lease_until, j.claimed_by, j.updated_at = JobState.IN_FLIGHT, until, worker, now
            await self.session.flush()
            return jobs
        ids = list((await self.session.execute(orphaned.with_only_columns(DeliveryJob.id))).scalars())
        if len(ids) < limit:
            q = due.with_only_columns(DeliveryJob.id).limit(limit - len(ids))
            ids += list((await self.session.execute(q)).scalars())
        claimed: list[str] = []
        for job_id in ids:
            r = await self.session.execute(
                update(DeliveryJob)
                .where(DeliveryJob.id == job_id, _claimable(now))
                .values(state=JobState.IN_FLIGHT, lease_until=until, claimed_by=worker, updated_at=now)
            )
            if r.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(job_id)
        if not claimed:
            return []
        q = select(DeliveryJob).where(DeliveryJob.id.in_(claimed))
        rows = (await self.session.execute(q.execution_options(populate_existing=True))).scalars()
        by_id = {j.id: j for j in rows}
        return [by_id[i] for i in claimed]

    async def mark_delivered(self, receipts: list[tuple[str, str, datetime]], now: datetime) -> None:
        """Record (job id, receipt id, CSDL's time) for a batch in one executemany. Any claimer may
        record a receipt: CSDL gives the same one for the same key."""
        if not receipts:
            return
        t = DeliveryJob.__table__
        stmt = (
            update(t)
            .where(t.c.id == bindparam("b_id"), t.c.state != JobState.DELIVERED)
            .values(
                state=JobState.DELIVERED,
                receipt_id=bindparam("b_receipt"),
                receipt_at=bindparam("b_at"),
                delivered_at=now,
                lease_until=None,
                last_error=None,
                attempts=t.c.attempts + 1,
                updated_at=now,
            )
        )
        await self.session.execute(stmt, [{"b_id": j, "b_receipt": r, "b_at": at} for j, r, at in receipts])

    async def mark_failed(
        self, job_id: str, worker: str, error: str, next_at: datetime | None, now: datetime
    ) -> bool:
        return await mark_failed_row(self.session, DeliveryJob, job_id, worker, error, next_at, now)

    def log_attempt(self, a: DeliveryAttempt) -> None:
        self.session.add(a)

    async def for_school(self, school: str, year: str) -> list[DeliveryJob]:
        q = (
            select(DeliveryJob)
            .where(DeliveryJob.school_code == school, DeliveryJob.school_year == year)
            .order_by(DeliveryJob.kind, DeliveryJob.version)
        )
        return list((await self.session.execute(q)).scalars())

    async def attempts_of(self, job_ids: list[str]) -> list[DeliveryAttempt]:
        if not job_ids:
            return []
        q = select(DeliveryAttempt).where(DeliveryAttempt.job_id.in_(job_ids)).order_by(DeliveryAttempt.id)
        return list((await self.session.execute(q)).scalars())

    async def latest_per_school(self, year: str, kind: str) -> list[DeliveryJob]:
        """Every job of a year and kind whose result still stands or may yet (the caller picks per
        school): not superseded, cancelled or withdrawn, and no withdrawal requested."""
        q = _standing(select(DeliveryJob)).where(DeliveryJob.school_year == year, DeliveryJob.kind == kind)
        return list((await self.session.execute(q)).scalars())

    async def withdrawn_receipts(self, year: str, kind: str) -> dict[str, list[str]]:
        """Per school, the receipts withdrawn (or being withdrawn) from CSDL."""
        q = (
            select(DeliveryJob.school_code, DeliveryJob.receipt_id)
            .join(DeliveryWithdrawal, DeliveryWithdrawal.job_id == DeliveryJob.id)
            .where(
                DeliveryJob.school_year == year, DeliveryJob.kind == kind, DeliveryJob.receipt_id.is_not(None)
            )
            .order_by(DeliveryJob.school_code, DeliveryJob.version)
        )
        out: dict[str, list[str]] = {}
        for school, receipt in (await self.session.execute(q)).all():
            out.setdefault(school, []).append(receipt)
        return out

    async def latest_result_per_school(self, year: str, kind: str, province: str | None) -> list[DeliveryJob]:
        """Per school, the job of its newest version (a window in SQL, not a loop over versions)."""
        rank = (
            func.row_number()
            .over(
                partition_by=DeliveryJob.school_code,
                order_by=(DeliveryJob.version.desc(), DeliveryJob.created_at.desc()),  # type: ignore[attr-defined]
            )
            .label("rank")
        )
        ranked = _standing(select(DeliveryJob.id, rank)).where(  # type: ignore[call-overload]
            DeliveryJob.school_year == year, DeliveryJob.kind == kind
        )
        if province is not None:
            ranked = ranked.where(DeliveryJob.province_code == province)
        sub = ranked.subquery()
        q = (
            select(DeliveryJob)
            .join(sub, sub.c.id == DeliveryJob.id)
            .where(sub.c.rank == 1)
            .order_by(DeliveryJob.school_code)
        )
        return list((await self.session.execute(q)).scalars())

    async def delivered_unreconciled(self, limit: int) -> list[DeliveryJob]:
        q = (
            select(DeliveryJob)
            .where(DeliveryJob.state == JobState.DELIVERED, DeliveryJob.reconciled_at.is_(None))
            .order_by(DeliveryJob.delivered_at)
            .limit(limit)
        )
        return list((await self.session.execute(q)).scalars())

    async def flagged(
        self, status: str | None, after: tuple[str, str, str] | None, limit: int
    ) -> list[DeliveryJob]:
        """Flagged deliveries by school, year and id, from after that key."""
        wanted = [status] if status else ["differs", "missing"]
        q = select(DeliveryJob).where(DeliveryJob.reconcile_status.in_(wanted))
        if after is not None:
            code, year, jid = after
            q = q.where(
                or_(
                    DeliveryJob.school_code > code,
                    and_(DeliveryJob.school_code == code, DeliveryJob.school_year > year),
                    and_(
                        DeliveryJob.school_code == code, DeliveryJob.school_year == year, DeliveryJob.id > jid
                    ),
                )
            )
        q = q.order_by(DeliveryJob.school_code, DeliveryJob.school_year, DeliveryJob.id).limit(limit)
        return list((await self.session.execute(q)).scalars())

    async def all(self) -> list[DeliveryJob]:
        q = select(DeliveryJob).order_by(DeliveryJob.version, DeliveryJob.created_at)
        return list((await self.session.execute(q)).scalars())

    async def counts_by_state(self) -> dict[str, int]:
        q = select(DeliveryJob.state, func.count()).group_by(DeliveryJob.state)
        return {str(s): int(n) for s, n in (await self.session.execute(q)).all()}
