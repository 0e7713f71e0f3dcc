"""Excel in: templates, dry run with per-cell errors, commit through the API's write path, and
jobs for imports too long to wait for.

- `GET /api/v1/imports/templates/truong-hoc.xlsx`: the school registry (an admin's import)
- `GET /api/v1/imports/templates/du-lieu-truong.xlsx?school=&year=`: a school's facts
- `POST /api/v1/imports/truong-hoc.xlsx?dry_run=true|false` and `POST /api/v1/imports/du-lieu-truong.xlsx?…`
  with the workbook as the body: the report (200), or, above `JOB_ROWS` rows, 202 and the job
- `GET /api/v1/imports/jobs/{id}`: state, rows done of rows to do, and the report when done
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway.deps import VerifiedDep
from services.gateway.errors import PayloadTooLarge
from services.gateway.papers.exports import titles_of
from services.gateway.papers.fetch import Services
from services.gateway.papers.imports import run_import
from services.gateway.papers.jobs import HEARTBEAT, ImportJob, fail_interrupted, update
from services.gateway.papers.router import services_for
from services.gateway.papers.sheets import (
    FACT_COLUMNS,
    FACTS_GUIDE,
    FACTS_SHEET,
    MEMBER_COLUMNS,
    MEMBERS_SHEET,
    SCHOOL_COLUMNS,
    SCHOOL_SHEET,
    read,
    read_facts,
    template,
)
from services.gateway.papers.workbook import MEDIA_TYPE as XLSX
from shared.contracts import SchoolYear
from shared.errors import NotFound, problem_responses
from shared.i18n import msg

log = logging.getLogger("gateway.imports")
router = APIRouter(prefix="/api/v1/imports", tags=["excel in"])
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = {"schools": 50_000, "facts": 5_000}
JOB_ROWS = 200  # more rows than this run as a job (a few seconds of work)
KINDS = {
    "truong-hoc": ("schools", SCHOOL_SHEET, SCHOOL_COLUMNS),
    "du-lieu-truong": ("facts", FACTS_SHEET, FACT_COLUMNS),
}


class JobNotFound(NotFound):
    code = "import_job_not_found"
    message = msg("Không tìm thấy lượt nhập.", "No such import job.")


def _xlsx(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/templates/truong-hoc.xlsx", response_class=Response)
async def school_template(request: Request, v: VerifiedDep) -> Response:
    """The school registry template (Trường học): one school per row, from row 3."""
    return _xlsx(template(SCHOOL_SHEET, SCHOOL_COLUMNS, {}, []), "mau-danh-muc-truong-hoc.xlsx")


@router.get("/templates/du-lieu-truong.xlsx", response_class=Response)
async def facts_template(
    request: Request,
    v: VerifiedDep,
    school: Annotated[str | None, Query(max_length=32)] = None,
    year: SchoolYear | None = None,
) -> Response:
    """A school's facts template (Dữ liệu): one school and year per row, prefilled when given; the
    steering unit's members (2.1) on their own sheet, one per row; the framework's titles on the
    instructions sheet."""
    svc = await services_for(request, v)
    titles = titles_of(await svc.get("scoring", "/api/v1/frameworks/qd4725-2022", missing_ok=True))
    rows = [[school, year]] if school and year else []
    body = template(FACTS_SHEET, FACT_COLUMNS, titles, rows, [(MEMBERS_SHEET, MEMBER_COLUMNS)], FACTS_GUIDE)
    return _xlsx(body, "mau-du-lieu-truong.xlsx")


async def _body(request: Request) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BYTES:
            raise PayloadTooLarge()
    return bytes(data)


@router.post(
    "/{name}.xlsx", responses={202: {"description": "queued as a job"}, **problem_responses(401, 404, 413)}
)
async def import_workbook(name: str, request: Request, v: VerifiedDep, dry_run: bool = True) -> Response:
    """Import a filled template. `dry_run=true` (the default) checks every row and writes nothing;
    `dry_run=false` writes only if every row passes. The report lists each problem by sheet, cell
    and message. Above 200 rows the import runs as a job: 202 with its URL to poll."""
    if name not in KINDS:
        raise NotFound(msg("Không có mẫu này.", "No such template."))
    kind, sheet, columns = KINDS[name]
    svc = await services_for(request, v)
    body = await _body(request)
    if kind == "facts":
        parsed = await asyncio.to_thread(read_facts, body, MAX_ROWS[kind])
    else:
        parsed = await asyncio.to_thread(read, body, sheet, columns, MAX_ROWS[kind])

    async def no_progress(_: int) -> None:
        return None

    if len(parsed.rows) <= JOB_ROWS or parsed.errors:
        report = await run_import(svc, kind, parsed, dry_run, no_progress)
        return JSONResponse(report.__dict__)
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    job = ImportJob(
        id=str(uuid.uuid4()),
        owner=v.principal.sub,
        kind=kind,
        dry_run=dry_run,
        total=len(parsed.rows) * (1 if dry_run else 2),
    )
    async with factory() as s:
        s.add(job)
        await s.commit()
    task = asyncio.create_task(_run(factory, svc, job.id, kind, parsed, dry_run))
    request.app.state.import_tasks = getattr(request.app.state, "import_tasks", set())
    request.app.state.import_tasks.add(task)  # a reference, so the task is not collected mid-run
    task.add_done_callback(request.app.state.import_tasks.discard)
    url = f"/api/v1/imports/jobs/{job.id}"
    return JSONResponse({"job": job.id, "status_url": url}, status_code=202, headers={"Location": url})


async def _run(
    factory: async_sessionmaker[AsyncSession],
    svc: Services,
    job_id: str,
    kind: str,
    parsed: Any,
    dry_run: bool,
) -> None:
    async def progress(done: int) -> None:
        await update(factory, job_id, done=done)

    async def heartbeat() -> None:  # a chunk may take longer than the staleness allows
        while True:
            await asyncio.sleep(HEARTBEAT.total_seconds())
            await update(factory, job_id)

    await update(factory, job_id, state="running")
    beat = asyncio.create_task(heartbeat())
    try:
        report = await run_import(svc, kind, parsed, dry_run, progress)
    except Exception as e:  # the caller polls for the outcome; the problem's text is its own
        log.exception("import job %s failed", job_id)
        detail = getattr(e, "message", None)
        text = (
            detail.model_dump() if detail is not None else {"vi": "Lỗi khi nhập.", "en": "The import failed."}
        )
        await update(factory, job_id, state="failed", report={"error": text})
        return
    finally:
        beat.cancel()
    await update(factory, job_id, state="done", report=report.__dict__)


@router.get("/jobs/{job_id}", responses=problem_responses(401, 404))
async def job_status(job_id: str, request: Request, v: VerifiedDep) -> dict[str, Any]:
    """An import job: state (queued, running, done, failed), rows done of rows to do, the report. A
    job whose process stopped answers failed, with `interrupted: true` in its report."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as s:
        job = await s.get(ImportJob, job_id)
    if job is None or job.owner != v.principal.sub:
        raise JobNotFound()
    if job.state in ("queued", "running") and await fail_interrupted(factory, job_id):
        async with factory() as s:
            job = await s.get(ImportJob, job_id)
        assert job is not None
    return {
        "job": job.id,
        "kind": job.kind,
        "dry_run": job.dry_run,
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "report": job.report,
    }
