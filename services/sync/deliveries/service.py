"""Delivery operations the API exposes: status per school and year, and the manual re-send."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deliveries.models import DeliveryJob, JobState, standing
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.schemas import AttemptOut, DeliveryOut, SchoolStatus, WithdrawalOut
from services.sync.scope import school_in_scope
from services.sync.scoring_client import ScoringClient
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.contracts import AssessmentKind
from shared.db import utcnow
from shared.errors import Conflict, NotFound
from shared.i18n import msg
from shared.principal import Principal


async def resend(s: AsyncSession, job_id: str, actor: str) -> DeliveryJob:
    """A dead-lettered job goes back to the queue with a fresh retry budget and the same key."""
    repo = DeliveryRepository(s)
    job = await repo.get(job_id)
    if job is None:
        raise NotFound(msg("Không tìm thấy lượt gửi.", "Delivery not found."))
    if job.state != JobState.DEAD:
        raise Conflict(
            msg(
                "Chỉ gửi lại được lượt gửi đã thất bại.",
                "Only a failed (dead-lettered) delivery can be re-sent.",
            ),
            code="not_dead_lettered",
            state=job.state,
        )
    now = utcnow()
    job.state, job.attempts, job.next_attempt_at = JobState.PENDING, 0, now
    job.last_error, job.lease_until, job.claimed_by, job.updated_at = None, None, f"resend:{actor}"[:64], now
    await s.flush()
    return job


async def resend_in_scope(s: AsyncSession, scoring: ScoringClient, p: Principal, job_id: str) -> DeliveryJob:
    """The manual re-send of a job whose school the caller may read: an unknown job is a plain
    404, a job of a school out of scope the same 404 as an unknown school."""
    job = await DeliveryRepository(s).get(job_id)
    if job is None:
        raise NotFound()
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
