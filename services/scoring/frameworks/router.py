from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response

from services.scoring.deps import PreviewerDep, RegistryDep
from services.scoring.engine.facts_schema import facts_schema
from services.scoring.frameworks.examples import OPENAPI_EXAMPLES
from services.scoring.frameworks.schemas import FrameworkPage, ScoreRequest, ScoreResponse
from services.scoring.frameworks.service import get_published, summary
from shared.errors import parse_json_object, problem_responses, read_body
from shared.framework.model import Framework
from shared.pagination import Cursor, Limit, paginate

router = APIRouter(prefix="/api/v1/frameworks", tags=["frameworks"])
PREVIEW_MAX_BYTES = 256 * 1024  # anonymous work: every fact of a framework fits in a few KiB


@router.get("", response_model=FrameworkPage)
async def list_frameworks(registry: RegistryDep, cursor: Cursor = None, limit: Limit = 100) -> FrameworkPage:
    """List the published frameworks (national and provincial overlays), each with the ref to pin."""
    rows, nxt, total = paginate([summary(p) for p in registry.all()], cursor, limit, lambda f: (f.ref,))
    return FrameworkPage(items=rows, next_cursor=nxt, total=total)


_FRAMEWORK: dict[int | str, dict[str, Any]] = {
    200: {"model": Framework, "description": "The framework document"}
}
_SCHEMA: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON Schema (2020-12)", "content": {"application/schema+json": {}}}
}


@router.get("/{framework_id}", responses={**_FRAMEWORK, **problem_responses(404)})
async def get_framework(framework_id: str, registry: RegistryDep, request: Request) -> Response:
    """The whole framework document (groups, criteria, items, cap rules, levels, interpretations).

    `framework_id` is `qd4725-2022` for the latest version or `qd4725-2022@1` for one version.
    """
    p = get_published(registry, framework_id)
    if request.headers.get("if-none-match") == p.etag:
        return Response(status_code=304, headers={"ETag": p.etag})
    body = json.dumps(p.document, ensure_ascii=False).encode()
    return Response(
        body, media_type="application/json", headers={"ETag": p.etag, "Cache-Control": "public, max-age=300"}
    )


@router.get(
    "/{framework_id}/facts.schema.json",
    responses={**_SCHEMA, **problem_responses(404)},
)
async def get_facts_schema(framework_id: str, registry: RegistryDep, request: Request) -> Response:
    """The framework's facts vocabulary as JSON Schema: the shape of `facts` and `awarded` per code.

    Generated from the framework's cap rules, as the scoring engine checks them; validate a body
    against it before sending, or generate typed facts from it.
    """
    p = get_published(registry, framework_id)
    if request.headers.get("if-none-match") == p.etag:
        return Response(status_code=304, headers={"ETag": p.etag})
    body = json.dumps(facts_schema(p.compiled), ensure_ascii=False).encode()
    headers = {"ETag": p.etag, "Cache-Control": "public, max-age=300"}
    return Response(body, media_type="application/schema+json", headers=headers)


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": ScoreRequest.model_json_schema(ref_template="#/components/schemas/{model}"),
                "examples": OPENAPI_EXAMPLES,
            }
        },
    }
}


@router.post(
    "/{framework_id}/score",
    response_model=ScoreResponse,
    responses=problem_responses(404, 413, 422),
    openapi_extra=_BODY_DOC,
)
async def preview_score(framework_id: str, request: Request, previewer: PreviewerDep) -> Response:
    """Score facts without storing anything: the public calculator (no login; rate-limited at the gateway).

    The body is parsed here rather than by a body model: every member is validated against the
    framework by the facts vocabulary, which reports all errors at once with JSON pointers.
    """
    body = parse_json_object(await read_body(request, PREVIEW_MAX_BYTES))
    return Response(previewer.preview(framework_id, body), media_type="application/json")
