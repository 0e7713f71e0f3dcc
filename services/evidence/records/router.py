"""Evidence routes: thin; rules live in the service, queries in the repository."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from services.evidence.config import EvidenceSettings
from services.evidence.deps import CheckerDep, PrincipalDep, ServiceDep, SettingsDep, StoreDep
from services.evidence.errors import MalformedUpload, NotAFile, NotALink
from services.evidence.links.check import validate_url
from services.evidence.permissions import ReadableEvidence, ReadableSchool, WritableEvidence, WritableSchool
from services.evidence.records import download
from services.evidence.records.models import EvidenceKind, Source
from services.evidence.records.receive import Staged, receive_multipart, receive_raw
from services.evidence.records.schemas import EvidencePage, EvidencePublic, LinkCreate
from services.evidence.storage.base import BlobStore
from shared import idempotency as idem
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit

router = APIRouter(prefix="/api/v1", tags=["evidence"])

UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["school_year", "title", "kind", "items", "file"],
                    "properties": {
                        "school_year": {"type": "string", "example": "2024-2025"},
                        "title": {"type": "string", "example": "Kế hoạch dạy học trực tuyến"},
                        "kind": {"type": "string", "enum": [k.value for k in EvidenceKind]},
                        "document_number": {"type": "string", "example": "15/KH-THKĐ"},
                        "document_date": {"type": "string", "format": "date"},
                        "items": {"type": "array", "items": {"type": "string"}, "example": ["1.1"]},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            },
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary"},
                "x-note": "raw body: the metadata fields (and `filename`) go in the query string",
            },
        },
    }
}


REPLACE_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def _receive(
    request: Request, store: BlobStore, settings: EvidenceSettings
) -> tuple[dict[str, list[str]], Staged | None]:
    """The metadata fields and the staged file, from a multipart form or a raw body (whose
    metadata and `filename` come in the query string)."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/"):
        if not ctype.startswith("multipart/form-data"):
            raise MalformedUpload()
        return await receive_multipart(request, store.staging_dir, settings.max_upload_bytes)
    query: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        query.setdefault(k, []).append(v)
    names = query.pop("filename", [])
    staged = await receive_raw(
        request, store.staging_dir, settings.max_upload_bytes, names[-1] if names else None
    )
    return query, staged


@router.post(
    "/schools/{code}/evidence",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidencePublic,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra=UPLOAD_DOC,
)
async def upload(
    code: str,
    request: Request,
    p: PrincipalDep,
    school: WritableSchool,  # checked before a byte of the body is read
    settings: SettingsDep,
    store: StoreDep,
    svc: ServiceDep,
) -> Response:
    """Upload a file as evidence (multipart form, or the raw body with metadata in the query)."""
    fields, staged = await _receive(request, store, settings)
    key = request.headers.get(idem.HEADER)
    answer = await svc.create_file(p, code, fields, staged, key, province=school.province_code)
    return answer.response()


@router.post(
    "/schools/{code}/evidence/links",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidencePublic,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def add_link(
    code: str,
    body: LinkCreate,
    request: Request,
    p: PrincipalDep,
    school: WritableSchool,
    svc: ServiceDep,
    checker: CheckerDep,
) -> Response:
    """Add a link as evidence (đường link); with `check`, fetch it now under strict rules."""
    url = str(validate_url(body.url))
    key = request.headers.get(idem.HEADER)
    answer = await svc.create_link(p, code, body, url, checker, key, province=school.province_code)
    return answer.response()


@router.post(
    "/evidence/{evidence_id}/check", response_model=EvidencePublic, responses=problem_responses(401, 404)
)
async def check_link(
    evidence_id: str, ev: ReadableEvidence, svc: ServiceDep, checker: CheckerDep
) -> EvidencePublic:
    """Fetch a link evidence again and record its status and time (for reviewers too)."""
    if ev.source != Source.LINK.value or ev.url is None:
        raise NotALink()
    await svc.record_check(ev, await checker.check(ev.url))
    return (await svc.render([ev]))[0]


@router.get(
    "/schools/{code}/evidence",
    response_model=EvidencePage,
    responses=problem_responses(401, 404, 422, 503),
)
async def catalogue(
    code: str,
    school: ReadableSchool,
    svc: ServiceDep,
    school_year: str | None = None,
    item: Annotated[str | None, Query(description="an item (1.3.2) or criterion (1.3) code")] = None,
    kind: EvidenceKind | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> EvidencePage:
    """The school's evidence catalogue (danh mục minh chứng), in upload order, with its codes."""
    return await svc.page(
        school.code, school_year=school_year, item=item, kind=kind, cursor=cursor, limit=limit
    )


@router.get("/evidence/{evidence_id}", response_model=EvidencePublic, responses=problem_responses(401, 404))
async def metadata(evidence_id: str, ev: ReadableEvidence, svc: ServiceDep) -> EvidencePublic:
    """One evidence's metadata."""
    return (await svc.render([ev]))[0]


@router.get(
    "/evidence/{evidence_id}/content",
    responses={**problem_responses(401, 404, 416), 200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
async def content(evidence_id: str, request: Request, ev: ReadableEvidence, store: StoreDep) -> Response:
    """The file itself: ETag is the SHA-256, single byte ranges are honoured."""
    if ev.source != Source.FILE.value:
        raise NotAFile()
    return await download.serve(request, store, ev)


@router.put(
    "/evidence/{evidence_id}/content",
    response_model=EvidencePublic,
    responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 415, 422, 503),
    openapi_extra=REPLACE_DOC,
)
async def replace(
    evidence_id: str,
    request: Request,
    ev: WritableEvidence,
    settings: SettingsDep,
    store: StoreDep,
    svc: ServiceDep,
) -> EvidencePublic:
    """Replace the file of unlocked evidence (409 once an approved or recognised assessment uses it);
    `If-Match` with the current ETag guards against overwriting a newer version."""
    _, staged = await _receive(request, store, settings)
    return await svc.replace_file(ev, staged, request.headers.get("if-match"))


@router.delete(
    "/evidence/{evidence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete(evidence_id: str, p: PrincipalDep, ev: WritableEvidence, svc: ServiceDep) -> Response:
    """Soft-delete evidence that no approved or recognised assessment references (409 otherwise)."""
    await svc.delete(p, ev)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
