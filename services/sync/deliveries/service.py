"""Delivery operations the API exposes: status per school and year, and the manual re-send."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deliveries.models import DeliveryJob, JobState
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.schemas import AttemptOut, DeliveryOut, SchoolStatus
from shared.db import utcnow
from shared.errors import Conflict, NotFound
from shared.i18n import msg


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


async def school_status(s: AsyncSession, school: str, year: str) -> SchoolStatus:
    repo = DeliveryRepository(s)
    js = await repo.for_school(school, year)
    attempts = await repo.attempts_of([j.id for j in js])
    by_job: dict[str, list[AttemptOut]] = {}
    for a in attempts:
        by_job.setdefault(a.job_id, []).append(AttemptOut.model_validate(a, from_attributes=True))
    return SchoolStatus(
        school_code=school,
        school_year=year,
        deliveries=[
            DeliveryOut.model_validate(j, from_attributes=True).model_copy(
                update={"attempt_log": by_job.get(j.id, [])}
            )
            for j in js
        ],
    )
