"""The gateway's scheduled job (declared in `shared.schedule`): interrupted Excel imports marked
failed and finished ones forgotten (`papers/jobs.py`). Run through `shared.jobs`, like the
services' jobs: the scheduler calls `POST /internal/v1/jobs/{name}/runs` here too."""

from __future__ import annotations

from services.gateway.models_base import metadata
from services.gateway.papers.jobs import import_jobs_expiry
from shared.jobs import JobFn, job_run_table

JOB_RUNS = job_run_table(metadata)
JOBS: dict[str, JobFn] = {"import-jobs-expiry": import_jobs_expiry}
