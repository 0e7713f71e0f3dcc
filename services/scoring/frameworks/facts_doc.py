"""The facts vocabulary in the OpenAPI document: `Facts` and `Awarded` components generated from
the national framework, referenced by `facts` and `awarded` of the assessment and preview bodies.
A provincial overlay's own vocabulary is served at `GET /api/v1/frameworks/{id}/facts.schema.json`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from services.scoring.engine.facts_schema import facts_schema
from services.scoring.frameworks.registry import FrameworkRegistry
from shared.openapi import resolve_components

NATIONAL = "qd4725-2022"
_NOTE = (
    " Generated from the national framework; the framework in force for a school year (a "
    "province's overlay) may add codes: its own schema is `GET /api/v1/frameworks/{id}/facts.schema.json`."
)


def document_facts(app: FastAPI, registry: FrameworkRegistry) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        doc = build()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        published = registry.get(NATIONAL) or next(iter(registry.all()), None)
        if published is not None and "Facts" not in schemas:
            vocab = facts_schema(published.compiled)["properties"]
            # open here: an overlay's codes are valid where its framework is in force
            schemas["Facts"] = {
                **vocab["facts"],
                "additionalProperties": True,
                "title": "Facts",
                "description": "Facts by code." + _NOTE,
            }
            schemas["Awarded"] = {
                **vocab["awarded"],
                "additionalProperties": True,
                "title": "Awarded",
                "description": "Points by item code." + _NOTE,
            }
            _examples(doc, published.document, facts_schema(published.compiled))
            doc["paths"] = resolve_components(doc["paths"], schemas)
            for name, schema in list(schemas.items()):
                schemas[name] = resolve_components(schema, schemas)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _examples(doc: dict[str, Any], framework: dict[str, Any], vocabulary: dict[str, Any]) -> None:
    """The national framework itself is the example of both framework answers."""
    paths = doc.get("paths", {})
    for path, media_type, example in (
        ("/api/v1/frameworks/{framework_id}", "application/json", framework),
        ("/api/v1/frameworks/{framework_id}/facts.schema.json", "application/schema+json", vocabulary),
    ):
        ok = paths.get(path, {}).get("get", {}).get("responses", {}).get("200", {})
        media = ok.get("content", {}).get(media_type)
        if media is not None:
            media["example"] = example
