"""Scoring's scheduled job (declared in `shared.schedule`): expiry of old Idempotency-Keys
(a client retries within minutes; a week is ample). Run through `shared.jobs`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import delete
from sqlmodel import col

from services.scoring.assessments.models import IdempotencyRecord
from services.scoring.models_base import metadata
from shared.db import utcnow
from shared.jobs import JobFn, job_run_table

JOB_RUNS = job_run_table(metadata)
IDEMPOTENCY_RETENTION = timedelta(days=7)


async def idempotency_expiry(app: FastAPI) -> dict[str, Any]:
    async with app.state.session_factory() as s:
        old = col(IdempotencyRecord.created_at) < utcnow() - IDEMPOTENCY_RETENTION
        done = await s.execute(delete(IdempotencyRecord).where(old))
        await s.commit()
    return {"deleted": done.rowcount}


JOBS: dict[str, JobFn] = {"scoring-idempotency-expiry": idempotency_expiry}
