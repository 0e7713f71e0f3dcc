"""Excel in (papers' `/api/v1/imports/…`): the templates to fill, an upload checked first (dry run,
the problems per cell: sheet, cell, message) and then written through the same API routes; a long
import is a job whose progress the page polls."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.web.api import Api, api_of, require_sign_in
from services.web.errors import ApiProblem
from services.web.pages import redirect, render
from services.web.routes.school import passthrough
from services.web.session import check_csrf

router = APIRouter(dependencies=[Depends(require_sign_in)])
ApiDep = Annotated[Api, Depends(api_of)]
KINDS = ("du-lieu-truong", "truong-hoc")
Kind = Annotated[str, Path(pattern=r"^(du-lieu-truong|truong-hoc)$")]
JobId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
MAX_BYTES = 10 * 1024 * 1024  # the gateway's limit; larger is refused there too, read no further
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/imports")
async def imports_page(request: Request) -> Response:
    return render(request, "imports.html", report=None, kind=KINDS[0], problem=None, fields=[])


@router.get("/imports/templates/{name}.xlsx")
async def template(
    api: ApiDep,
    name: Kind,
    school: Annotated[str | None, Query(pattern=r"^[0-9A-Za-z_-]{1,32}$")] = None,
    year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
) -> Response:
    params = {k: v for k, v in (("school", school), ("year", year)) if v}
    return await passthrough(api, f"/api/v1/imports/templates/{name}.xlsx", params or None)


@router.post("/imports", dependencies=[Depends(check_csrf)])
async def upload(request: Request, api: ApiDep) -> Response:
    form = await request.form()
    kind = str(form.get("kind") or "")
    if kind not in KINDS:
        kind = KINDS[0]
    dry_run = form.get("commit") is None  # the "write" button names itself; any other submit checks
    f = form.get("file")
    body = await f.read(MAX_BYTES + 1) if isinstance(f, UploadFile) else b""
    lang = api.session.lang
    try:
        r = await api.send(
            "POST",
            f"/api/v1/imports/{kind}.xlsx",
            params={"dry_run": "true" if dry_run else "false"},
            content=body,
            headers={"Content-Type": XLSX},
        )
    except ApiProblem as p:
        return render(
            request, "imports.html", status=p.status, report=None, kind=kind,
            problem=p.message(lang), fields=p.fields(lang),
        )  # fmt: skip
    if r.status_code == 202:
        return redirect(request, f"/imports/jobs/{r.json()['job']}")
    return render(request, "imports.html", report=r.json(), kind=kind, problem=None, fields=[])


@router.get("/imports/jobs/{job_id}")
async def job(request: Request, api: ApiDep, job_id: JobId) -> Response:
    """The job's page; while it runs, the section polls itself (htmx) and shows rows done of all."""
    data: dict[str, Any] = await api.get(f"/api/v1/imports/jobs/{job_id}")
    report = data.get("report") if data["state"] in ("done", "failed") else None
    return render(request, "import_job.html", job=data, report=report)
