"""Evidence's scheduled jobs (declared in `shared.schedule`): integrity check, garbage collection
of unreferenced blobs, and expiry of old Idempotency-Keys. Run through `shared.jobs`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from services.evidence.integrity import gc, verify
from services.evidence.models_base import metadata
from services.evidence.records.models import IdempotencyRecord
from shared.idempotency import expiry_job
from shared.jobs import JobFn, job_run_table

JOB_RUNS = job_run_table(metadata)
GC_GRACE = timedelta(hours=24)  # an upload committing right now has no row yet: spare young blobs


class IntegrityFailure(Exception):
    """A blob is missing or corrupt: the run fails, so the job's metrics alert."""


async def evidence_verify(app: FastAPI) -> dict[str, Any]:
    r = await verify(app.state.session_factory, app.state.store)
    detail = {"checked": r.checked, "missing": len(r.missing), "corrupt": len(r.corrupt),
              "unreferenced": r.unreferenced}  # fmt: skip
    if not r.ok:
        raise IntegrityFailure(f"missing {r.missing[:20]}, corrupt {r.corrupt[:20]}")
    return detail


async def evidence_gc(app: FastAPI) -> dict[str, Any]:
    removed = await gc(app.state.session_factory, app.state.store, grace=GC_GRACE)
    return {"removed": len(removed)}


JOBS: dict[str, JobFn] = {
    "evidence-verify": evidence_verify,
    "evidence-gc": evidence_gc,
    "evidence-idempotency-expiry": expiry_job(IdempotencyRecord),
}
