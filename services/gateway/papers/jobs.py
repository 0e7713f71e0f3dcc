"""Import jobs: an import larger than a few seconds' work runs in the background, its progress in
the gateway's database so any replica answers the caller's poll; only the caller sees it.

A running job's `updated_at` is its heartbeat: the process running it touches it at every chunk
and every `HEARTBEAT` at least. A job whose heartbeat is older than `STALE_AFTER` was interrupted
(its process stopped: a restart, a crash): it is marked failed, saying so, when the gateway
starts, when its owner polls it, and by the scheduled job `import-jobs-expiry`, which also
forgets finished jobs after `RETENTION`. A heartbeat, not "every running job at start-up": with
several replicas, a starting one must not fail the jobs another is running."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import JSON, Column, delete
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, col

from services.gateway.models_base import GatewayModel
from shared.db import UTCDateTime, utcnow
from shared.i18n import msg

HEARTBEAT = timedelta(seconds=15)
STALE_AFTER = timedelta(seconds=90)  # six missed heartbeats: the process is gone
RETENTION = timedelta(days=7)  # a finished job's report stays this long for its owner to read
UNFINISHED = ("queued", "running")
INTERRUPTED = msg(
    "Lượt nhập bị gián đoạn (dịch vụ đã dừng hoặc khởi động lại). Các dòng đã ghi vẫn được giữ; hãy nhập "
    "lại tệp: dòng đã ghi sẽ được báo là không đổi.",
    "The import was interrupted (the service stopped or restarted). Rows already written stay "
    "written; import the file again: those rows will be reported unchanged.",
)


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


async def fail_interrupted(
    factory: async_sessionmaker[AsyncSession], job_id: str | None = None, now: datetime | None = None
) -> int:
    """Mark failed every unfinished job (or the one given) whose heartbeat stopped; how many."""
    now = now or utcnow()
    where = [col(ImportJob.state).in_(UNFINISHED), col(ImportJob.updated_at) < now - STALE_AFTER]
    if job_id is not None:
        where.append(col(ImportJob.id) == job_id)
    report = {"error": INTERRUPTED.model_dump(), "interrupted": True}
    async with factory() as s:
        done = await s.execute(
            sql_update(ImportJob).where(*where).values(state="failed", report=report, updated_at=now)
        )
        await s.commit()
    return int(done.rowcount)  # type: ignore[attr-defined]


async def purge_finished(factory: async_sessionmaker[AsyncSession], now: datetime | None = None) -> int:
    """Forget the jobs finished more than `RETENTION` ago; how many."""
    old = (now or utcnow()) - RETENTION
    async with factory() as s:
        done = await s.execute(
            delete(ImportJob).where(
                col(ImportJob.state).in_(("done", "failed")), col(ImportJob.updated_at) < old
            )
        )
        await s.commit()
    return int(done.rowcount)  # type: ignore[attr-defined]


async def import_jobs_expiry(app: FastAPI) -> dict[str, Any]:
    """The scheduled job (shared.schedule `import-jobs-expiry`)."""
    factory: async_sessionmaker[AsyncSession] = app.state.session_factory
    return {"interrupted": await fail_interrupted(factory), "deleted": await purge_finished(factory)}
