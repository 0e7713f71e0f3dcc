"""The evidence catalogue of a school's year: list with catalogue codes, upload a file, add a
link, download a file; all through the gateway with the person's token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from services.web.api import Api, api_of, require_sign_in
from services.web.errors import ApiProblem
from services.web.pages import render
from services.web.routes.school import Code, Year, passthrough
from services.web.session import Session, check_csrf

router = APIRouter(dependencies=[Depends(require_sign_in)])
ApiDep = Annotated[Api, Depends(api_of)]
SessionDep = Annotated[Session, Depends(require_sign_in)]


def _items(raw: object) -> list[str]:
    return [p.strip() for p in str(raw or "").replace(";", ",").split(",") if p.strip()]


async def _fragment(request: Request, api: Api, code: str, year: str, **extra: Any) -> Response:
    page = await api.get(f"/api/v1/schools/{code}/evidence", school_year=year, limit=500)
    return render(request, "_evidence.html", items=page.get("items", []), code=code, year=year, **extra)


@router.get("/schools/{code}/{year}/evidence")
async def catalogue(request: Request, api: ApiDep, code: Code, year: Year) -> Response:
    return await _fragment(request, api, code, year, error=None, ok=None)


@router.post("/schools/{code}/{year}/evidence", dependencies=[Depends(check_csrf)])
async def add(request: Request, api: ApiDep, s: SessionDep, code: Code, year: Year) -> Response:
    """A file (multipart, passed on as is) or, with `url`, a link."""
    form = await request.form()
    meta = {
        "school_year": year,
        "title": str(form.get("title") or ""),
        "kind": str(form.get("kind") or "other"),
    }
    items = _items(form.get("items"))
    try:
        upload = form.get("file")
        if form.get("url"):
            body = {**meta, "items": items, "url": str(form.get("url"))}
            await api.json("POST", f"/api/v1/schools/{code}/evidence/links", json=body)
        elif isinstance(upload, UploadFile) and upload.filename:
            data: dict[str, Any] = {**meta, "items": items}  # a list value repeats the field
            # httpx's multipart encoder reads files synchronously, which its AsyncClient refuses:
            # the file (at most the gateway's body limit) is passed on as bytes
            content = await upload.read()
            files = {"file": (upload.filename, content, upload.content_type or "application/octet-stream")}
            await api.json("POST", f"/api/v1/schools/{code}/evidence", data=data, files=files)
        else:
            raise ApiProblem(
                422,
                {
                    "code": "file_required",
                    "message": {
                        "vi": "Chọn một tệp hoặc nhập một đường link.",
                        "en": "Choose a file or enter a link.",
                    },
                },
            )
    except ApiProblem as p:
        if p.status >= 500 or p.status in (401, 404):
            raise
        return await _fragment(
            request, api, code, year, error=p.message(s.lang), fields=p.fields(s.lang), ok=None
        )
    return await _fragment(request, api, code, year, error=None, ok="saved")


@router.get("/evidence/{evidence_id}/content")
async def download(api: ApiDep, evidence_id: str) -> Response:
    return await passthrough(api, f"/api/v1/evidence/{evidence_id}/content")
