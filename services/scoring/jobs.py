"""Scoring's scheduled job (declared in `shared.schedule`): expiry of old Idempotency-Keys.
Run through `shared.jobs`."""

from __future__ import annotations

from services.scoring.assessments.models import IdempotencyRecord
from services.scoring.models_base import metadata
from shared.idempotency import expiry_job
from shared.jobs import JobFn, job_run_table

JOB_RUNS = job_run_table(metadata)

JOBS: dict[str, JobFn] = {"scoring-idempotency-expiry": expiry_job(IdempotencyRecord)}
