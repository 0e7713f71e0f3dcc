"""Scheduled jobs inside a service: the run record, the internal trigger and the `/metrics` series.

Each service with jobs in `shared.schedule` adds a `job_run` table to its own database
(`job_run_table(metadata)`) and mounts `jobs_router`. A run is keyed by (job, slot): the first
trigger of a slot inserts the row and runs the job; a later trigger of the same slot answers the
recorded run without running again, unless that run failed or was abandoned (a process died
mid-run), which may be retried. Every outcome is written: last run and outcome per job are read
back by `GET /internal/v1/jobs` (the gateway's admin endpoint gathers them) and by `/metrics`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from prometheus_client import Gauge
from pydantic import BaseModel, Field
from sqlalchemy import JSON, Column, MetaData, String, Table, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import UTCDateTime, utcnow
from shared.deps import PrincipalDep
from shared.errors import Forbidden, NotFound
from shared.principal import Principal, Role
from shared.schedule import BY_NAME

log = logging.getLogger("chiso.jobs")

JobFn = Callable[[FastAPI], Awaitable[dict[str, Any]]]
STALE_AFTER = timedelta(hours=2)  # a run still "running" after this was abandoned by a dead process

LAST_RUN = Gauge(
    "chiso_job_last_run_timestamp_seconds",
    "When the job's latest run finished (Unix time)",
    ["service", "job"],
    multiprocess_mode="mostrecent",
)
LAST_SUCCESS = Gauge(
    "chiso_job_last_success_timestamp_seconds",
    "When the job last finished successfully (Unix time)",
    ["service", "job"],
    multiprocess_mode="mostrecent",
)
LAST_OK = Gauge(
    "chiso_job_last_run_ok",
    "1 if the job's latest finished run succeeded, 0 if it failed",
    ["service", "job"],
    multiprocess_mode="mostrecent",
)


def job_run_table(metadata: MetaData) -> Table:
    return Table(
        "job_run",
        metadata,
        Column("job", String(64), primary_key=True),
        Column("slot", UTCDateTime(), primary_key=True),
        Column("started_at", UTCDateTime(), nullable=False),
        Column("finished_at", UTCDateTime(), nullable=True),
        Column("outcome", String(16), nullable=False),  # running | ok | failed
        Column("detail", JSON, nullable=False),
    )


class JobRun(BaseModel):
    job: str
    slot: datetime
    started_at: datetime
    finished_at: datetime | None
    outcome: str = Field(description="running, ok or failed")
    detail: dict[str, Any]
    ran_now: bool = Field(False, description="false: this slot had already run; its record is returned")


class JobStatus(BaseModel):
    job: str
    service: str
    cron: str
    summary: str
    last_run: JobRun | None
    last_success_at: datetime | None


class RunIn(BaseModel):
    slot: datetime | None = Field(None, description="the schedule slot; default: now, to the minute")


async def _claim(factory: async_sessionmaker[AsyncSession], t: Table, job: str, slot: datetime) -> bool:
    """True when this caller now owns the slot's run: a fresh row, or a failed/abandoned one taken
    over by a conditional update (two retries of one slot cannot both take it)."""
    now = utcnow()
    async with factory() as s:
        try:
            await s.execute(
                insert(t).values(job=job, slot=slot, started_at=now, outcome="running", detail={})
            )
            await s.commit()
            return True
        except IntegrityError:
            await s.rollback()
        retry = and_(
            t.c.job == job,
            t.c.slot == slot,
            (t.c.outcome == "failed") | ((t.c.outcome == "running") & (t.c.started_at < now - STALE_AFTER)),
        )
        done = await s.execute(
            update(t).where(retry).values(started_at=now, outcome="running", finished_at=None)
        )
        await s.commit()
        return bool(done.rowcount)  # type: ignore[attr-defined]


async def _read(factory: async_sessionmaker[AsyncSession], t: Table, job: str, slot: datetime) -> JobRun:
    async with factory() as s:
        row = (await s.execute(select(t).where(t.c.job == job, t.c.slot == slot))).one()
    return JobRun.model_validate(row._asdict())


async def run_job(app: FastAPI, t: Table, name: str, fn: JobFn, slot: datetime) -> JobRun:
    factory: async_sessionmaker[AsyncSession] = app.state.session_factory
    if not await _claim(factory, t, name, slot):
        return await _read(factory, t, name, slot)
    try:
        detail, outcome = await fn(app), "ok"
    except Exception as e:  # the failure is the run's recorded outcome, and retried on the next trigger
        log.exception("job %s (slot %s) failed", name, slot.isoformat())
        detail, outcome = {"error": type(e).__name__, "message": str(e)[:500]}, "failed"
    async with factory() as s:
        where = and_(t.c.job == name, t.c.slot == slot)
        values = {"outcome": outcome, "detail": detail, "finished_at": utcnow()}
        await s.execute(update(t).where(where).values(**values))
        await s.commit()
    log.info("job %s (slot %s): %s", name, slot.isoformat(), outcome)
    run = await _read(factory, t, name, slot)
    return run.model_copy(update={"ran_now": True})


async def statuses(factory: async_sessionmaker[AsyncSession], t: Table, names: list[str]) -> list[JobStatus]:
    """Each job's latest run and latest success (two grouped queries, whatever the history)."""
    async with factory() as s:
        latest = select(t.c.job, func.max(t.c.slot).label("slot")).group_by(t.c.job).subquery()
        rows = await s.execute(
            select(t).join(latest, and_(t.c.job == latest.c.job, t.c.slot == latest.c.slot))
        )
        runs = {r.job: JobRun.model_validate(r._asdict()) for r in rows}
        ok = select(t.c.job, func.max(t.c.finished_at)).where(t.c.outcome == "ok").group_by(t.c.job)
        success = {job: at for job, at in await s.execute(ok)}
    out = []
    for name in names:
        j = BY_NAME[name]
        out.append(JobStatus(job=name, service=j.service, cron=j.cron, summary=j.summary,
                             last_run=runs.get(name), last_success_at=success.get(name)))  # fmt: skip
    return out


def _require(p: Principal) -> None:
    if not p.has(Role.SERVICE, Role.ADMIN):
        raise Forbidden()


def install_jobs(app: FastAPI, service: str, t: Table, jobs: Mapping[str, JobFn]) -> None:
    """Mount `/internal/v1/jobs` (callers: the scheduler, signed with the internal secret, and
    admins through the gateway) and refresh the job gauges at every scrape."""
    assert set(jobs) == {j.name for j in BY_NAME.values() if j.service == service}, service
    router = APIRouter(prefix="/internal/v1/jobs", tags=["internal"])

    @router.get("", response_model=list[JobStatus])
    async def list_jobs(request: Request, p: PrincipalDep) -> list[JobStatus]:
        """Each of this service's scheduled jobs: its schedule, latest run and latest success."""
        _require(p)
        return await statuses(request.app.state.session_factory, t, list(jobs))

    @router.post("/{name}/runs", response_model=JobRun)
    async def trigger(name: str, request: Request, p: PrincipalDep, body: RunIn | None = None) -> JobRun:
        """Run the job for a slot, once: a slot already run answers its record (`ran_now` false)."""
        _require(p)
        if name not in jobs:
            raise NotFound()
        slot = (body.slot if body and body.slot else utcnow()).replace(second=0, microsecond=0)
        return await run_job(request.app, t, name, jobs[name], slot)

    app.include_router(router)

    async def refresh() -> None:
        for st in await statuses(app.state.session_factory, t, list(jobs)):
            run = st.last_run
            if run is not None and run.finished_at is not None:
                LAST_RUN.labels(service, st.job).set(run.finished_at.timestamp())
                LAST_OK.labels(service, st.job).set(1 if run.outcome == "ok" else 0)
            if st.last_success_at is not None:
                LAST_SUCCESS.labels(service, st.job).set(st.last_success_at.timestamp())

    app.state.scrape_hooks = [*getattr(app.state, "scrape_hooks", []), refresh]
