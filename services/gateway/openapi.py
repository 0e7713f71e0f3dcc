"""One OpenAPI document: the gateway's own routes plus every upstream's public paths (those the
gateway forwards), merged. Components are merged by name; the services share their schema
names through `shared/`, so a clash means the same model and the first definition is kept."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from fastapi import FastAPI

from services.gateway.openapi_extra import finish_gateway
from services.gateway.proxy.routes import route_for

log = logging.getLogger("gateway.openapi")


async def merged(app: FastAPI, upstreams: dict[str, httpx.AsyncClient]) -> tuple[dict[str, Any], bool]:
    """The merged document, and whether every service contributed (only then is it cached)."""
    complete = True
    doc: dict[str, Any] = app.openapi()
    # the gateway's own /internal routes (the scheduler's job trigger) are service calls, not the API
    paths = {p: item for p, item in doc.get("paths", {}).items() if not p.startswith("/internal/")}
    doc = {**doc, "paths": paths, "components": dict(doc.get("components", {}))}
    schemas: dict[str, Any] = dict(doc["components"].get("schemas", {}))
    for name, client in upstreams.items():
        try:
            r = await client.get("/openapi.json", timeout=5.0)
            r.raise_for_status()
            up = _renamed(r.json(), name, schemas)
        except (httpx.HTTPError, ValueError):
            log.warning("no OpenAPI document from %s", name)
            complete = False
            continue
        for path, item in up.get("paths", {}).items():
            route = route_for(path)
            if route is None or route.service != name:
                continue  # internal, health and anything the gateway does not forward
            doc["paths"][path] = item
        for sname, schema in up.get("components", {}).get("schemas", {}).items():
            schemas.setdefault(sname, schema)
    doc["components"]["schemas"] = schemas
    return finish_gateway(doc), complete


def _renamed(up: dict[str, Any], service: str, known: dict[str, Any]) -> dict[str, Any]:
    """A service's document with each schema whose name another service already uses for a
    different shape renamed `<Service><Name>` (evidence's `Source` is not scoring's `Source`)."""
    clashes = [
        n
        for n, schema in up.get("components", {}).get("schemas", {}).items()
        if known.get(n, schema) != schema
    ]
    if not clashes:
        return up
    text = json.dumps(up)
    for n in clashes:
        text = text.replace(f'"#/components/schemas/{n}"', f'"#/components/schemas/{service.title()}{n}"')
    out: dict[str, Any] = json.loads(text)
    schemas = out["components"]["schemas"]
    for n in clashes:
        schemas[f"{service.title()}{n}"] = {**schemas.pop(n), "title": f"{service.title()}{n}"}
    return out
