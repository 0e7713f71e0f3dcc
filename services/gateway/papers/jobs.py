"""Import jobs: an import larger than a few seconds' work runs in the background, its progress in
the gateway's database so any replica answers the caller's poll; only the caller sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field

from services.gateway.models_base import GatewayModel
from shared.db import UTCDateTime, utcnow


class ImportJob(GatewayModel, table=True):
    __tablename__ = "import_job"

    id: str = Field(primary_key=True, max_length=36)
    owner: str = Field(max_length=128, index=True)  # the principal's subject
    kind: str = Field(max_length=16)  # schools | facts
    dry_run: bool
    state: str = Field(default="queued", max_length=16)  # queued | running | done | failed
    total: int = 0
    done: int = 0
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


async def update(factory: async_sessionmaker[AsyncSession], job_id: str, **values: Any) -> None:
    """Its own short transaction: progress is visible to a poll at once."""
    async with factory() as s:
        job = await s.get(ImportJob, job_id)
        if job is not None:
            for k, v in values.items():
                setattr(job, k, v)
            job.updated_at = utcnow()
            await s.commit()
