from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.deadlines.calendar import Deadline, resolve
from services.sync.deadlines.models import DeadlineOverride
from shared.contracts import AssessmentKind


class DeadlineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def override(self, province: str, year: str, kind: str) -> DeadlineOverride | None:
        return await self.session.get(DeadlineOverride, (province, year, kind))

    async def overrides(self, year: str, province: str | None = None) -> list[DeadlineOverride]:
        q = select(DeadlineOverride).where(DeadlineOverride.school_year == year)
        if province:
            q = q.where(DeadlineOverride.province_code == province)
        return list((await self.session.execute(q)).scalars())

    async def deadline(self, province: str | None, year: str, kind: AssessmentKind) -> Deadline:
        o = await self.override(province, year, kind.value) if province else None
        data: dict[str, Any] | None = (
            {
                "on_time_deadline": o.on_time_deadline,
                "edit_lock_date": o.edit_lock_date,
                "milestones": o.milestones,
            }
            if o
            else None
        )
        return resolve(year, kind, province, data)

    async def upsert(self, row: DeadlineOverride) -> DeadlineOverride:
        existing = await self.override(row.province_code, row.school_year, row.kind)
        if existing is None:
            self.session.add(row)
            await self.session.flush()
            return row
        existing.on_time_deadline = row.on_time_deadline
        existing.edit_lock_date = row.edit_lock_date
        existing.milestones = row.milestones
        existing.updated_by = row.updated_by
        existing.updated_at = row.updated_at
        await self.session.flush()
        return existing
