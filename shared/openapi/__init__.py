"""The OpenAPI document every service serves and the gateway merges, finished in one place.

`install(app)` makes a FastAPI app's `/openapi.json` go through `finish`: operation ids by the
naming rule (`naming.py`), summaries from the docstrings, every error as `application/problem+json`
with the real `Problem` schema (FastAPI's `HTTPValidationError` 422 shape replaced: the services
answer `validation_errors[].pointer`), the headers and status codes operations send, tags with
descriptions, per-operation security, and an example for every request body and success answer.
`finish(doc, gateway=True)` adds what the gateway adds: servers, security schemes, rate-limit
headers and 429, and the webhooks section.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from shared.errors import ProblemBody
from shared.openapi import naming
from shared.openapi.examples import fill

METHODS = ("get", "put", "post", "patch", "delete")
COMPONENT_MARK = "x-component"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_REASONS = {
    "400": "Bad request",
    "401": "Missing or invalid token",
    "403": "Not allowed to do this",
    "404": "Not found, or outside the caller's scope",
    "405": "Method not allowed",
    "409": "Conflicts with the current state",
    "412": "The resource changed since it was read (`If-Match` does not match)",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "416": "Range not satisfiable",
    "422": "Validation failed; `validation_errors` names each field by JSON pointer",
    "428": "`If-Match` is required to change an existing resource",
    "429": "Rate limited; retry after `Retry-After` seconds",
    "503": "A service this one needs is unavailable; retry after `Retry-After` seconds",
}
_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {"description": "Correlation id of this request (also in logs)", "type": "string"},
    "ETag": {"description": "Version of the representation; send it back in `If-Match`", "type": "string"},
    "Location": {"description": "URL of the created resource", "type": "string"},
    "Retry-After": {"description": "Seconds to wait before retrying", "type": "integer"},
    "RateLimit-Limit": {"description": "Requests allowed in a burst", "type": "integer"},
    "RateLimit-Remaining": {"description": "Requests left in the current bucket", "type": "integer"},
    "RateLimit-Reset": {"description": "Seconds until the bucket is full again", "type": "integer"},
    "Idempotency-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same "
        "`Idempotency-Key` (keys expire after 24 hours)",
        "type": "string",
    },
}


OAUTH_ERROR: dict[str, Any] = {
    "type": "object",
    "title": "OAuthError",
    "description": "RFC 6749 §5.2 error answer of the token endpoint",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "string",
            "enum": ["invalid_request", "invalid_client", "unsupported_grant_type"],
        },
        "error_description": {"type": "string"},
    },
    "example": {"error": "invalid_client", "error_description": "Unknown client or wrong secret."},
}


def typed_as(component: str, description: str) -> Callable[[dict[str, Any]], None]:
    """A pydantic `json_schema_extra` making a free-form member reference a component that a
    service adds to its document (e.g. the facts vocabulary generated from a framework): marked
    here, turned into a `$ref` by `resolve_components` once the component exists."""

    def mark(schema: dict[str, Any]) -> None:
        schema[COMPONENT_MARK] = component
        schema["description"] = description

    return mark


def resolve_components(node: Any, schemas: dict[str, Any]) -> Any:
    """Replace every schema marked by `typed_as` with a reference to its (present) component."""
    if isinstance(node, dict):
        name = node.get(COMPONENT_MARK)
        if isinstance(name, str) and name in schemas:
            return {"$ref": f"#/components/schemas/{name}", "description": node.get("description", "")}
        return {k: resolve_components(v, schemas) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_components(v, schemas) for v in node]
    return node


def install(app: FastAPI) -> None:
    """Serve the finished document from `app.openapi()` (and so from `/openapi.json`)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _route_name(op: dict[str, Any], path: str, method: str) -> str | None:
    """The route function's name, read back from FastAPI's default id (`name` + path + method)."""
    suffix = re.sub(r"\W", "_", path) + "_" + method
    oid = str(op.get("operationId", ""))
    return oid[: -len(suffix)] if oid.endswith(suffix) and len(oid) > len(suffix) else None


def _name(op: dict[str, Any], path: str, method: str) -> None:
    name = _route_name(op, path, method)
    if name is None:
        return  # named already (explicitly, or by an earlier finish)
    op["operationId"] = naming.operation_id(name)
    if op.get("summary") == name.replace("_", " ").title() and op.get("description"):
        op["summary"] = _summary(op["description"])


def _summary(description: str) -> str:
    first = description.strip().split("\n\n")[0].replace("\n", " ")
    sentence = first.split(". ")[0].rstrip(".")
    if len(sentence) > 90 and len(sentence.split(": ")[0]) > 12:
        sentence = sentence.split(": ")[0]  # the head of "Does X: details"
    return sentence if len(sentence) <= 90 else sentence[:87].rsplit(" ", 1)[0] + "…"


def problem_schemas() -> dict[str, Any]:
    schema = ProblemBody.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    schema["title"] = "Problem"
    schema["description"] = "RFC 9457 problem details, with a stable `code` and bilingual `message`."
    return {**defs, "Problem": schema}


def finish(doc: dict[str, Any], gateway: bool = False) -> dict[str, Any]:
    """Finish a document in place (idempotent: the gateway finishes the merge of finished ones)."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for stale in ("HTTPValidationError", "ValidationError", "ProblemBody"):
        schemas.pop(stale, None)
    schemas.update(problem_schemas())
    schemas["OAuthError"] = OAUTH_ERROR
    components["headers"] = {
        name: {"description": h["description"], "schema": {"type": h["type"]}} for name, h in _HEADERS.items()
    }
    used: set[str] = set()
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                _name(item[method], path, method)
                _finish_operation(item[method], method, path, doc, gateway)
                used.update(item[method].get("tags", []))
    doc["tags"] = [{"name": t, "description": d} for t, d in naming.TAGS.items() if t in used]
    doc["tags"] += [{"name": t, "description": t} for t in sorted(used - set(naming.TAGS))]
    return doc


def _header_refs(*names: str) -> dict[str, Any]:
    return {n: {"$ref": f"#/components/headers/{n}"} for n in names}


def _finish_operation(op: dict[str, Any], method: str, path: str, doc: dict[str, Any], gateway: bool) -> None:
    oid = op.get("operationId", "")
    public = oid in naming.PUBLIC
    responses: dict[str, Any] = op.setdefault("responses", {})
    if not public:
        responses.setdefault("401", {})
        scope = naming.scope_for(method, path)
        op["security"] = [{"oauth2": [scope] if scope else []}, {"bearer": []}]
    else:
        op["security"] = []
    if gateway:
        responses.setdefault("429", {})
    if oid in naming.OAUTH_ERRORS:
        responses.pop("422", None)
    if oid in naming.CREATED_ON_PUT and "200" in responses:
        responses.setdefault("201", {**responses["200"], "description": "Created"})
    if oid in naming.NOT_MODIFIED:
        responses.setdefault("304", {"description": "Not modified (`If-None-Match` matched the ETag)"})
    if oid in naming.PARTIAL and "200" in responses:
        responses.setdefault("206", {**responses["200"], "description": "Partial content (`Range`)"})
    for status, resp in responses.items():
        _finish_response(oid, status, resp, doc, gateway)
    body = op.get("requestBody", {}).get("content", {})
    for media in body.values():
        fill(media, doc)


def _finish_response(oid: str, status: str, resp: dict[str, Any], doc: dict[str, Any], gateway: bool) -> None:
    names = ["X-Request-Id"]
    if gateway:
        names += ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]
    if oid in naming.OAUTH_ERRORS and status in {"400", "401"}:
        resp["description"] = _REASONS[status]
        resp["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}}
    elif status.startswith("4") or status.startswith("5") or status == "default":
        resp["description"] = _REASONS.get(status, resp.get("description") or "Problem details")
        resp["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
        if status in {"429", "503"}:
            names.append("Retry-After")
    else:
        if oid in naming.ETAG and status in {"200", "201", "206", "304"}:
            names.append("ETag")
        if oid in naming.LOCATION and status == "201":
            names.append("Location")
        if oid in naming.IDEMPOTENT:
            names.append("Idempotency-Replayed")
        for media_type, media in resp.get("content", {}).items():
            if media_type.endswith("json"):
                fill(media, doc)
    resp.setdefault("description", "OK")
    resp["headers"] = {**resp.get("headers", {}), **_header_refs(*names)}
