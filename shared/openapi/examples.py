"""Examples for the OpenAPI document where a route gives none: built from the schema itself
(its own `examples`/`default`/`enum` first, then a value of the declared type and format), so
every request body and every success answer shows a body that validates against its schema."""

from __future__ import annotations

from typing import Any

_BY_FORMAT: dict[str, Any] = {
    "date-time": "2025-05-31T08:00:00Z",
    "date": "2025-05-31",
    "uri": "https://vendor.example/hooks/chiso",
    "email": "officer@so-79.example",
    "uuid": "3f2b8c1e-5a4d-4e6f-9b7a-1c2d3e4f5a6b",
    "binary": "",
}
_BY_NAME: dict[str, Any] = {
    "code": "79100001",
    "school_code": "79100001",
    "year": "2024-2025",
    "school_year": "2024-2025",
    "framework_id": "qd4725-2022",
    "framework_ref": "qd4725-2022@1",
    "unit_id": "phong-79-q1",
    "province": "79",
    "username": "so.officer",
    "password": "mat-khau-cua-ban",
    "email": "hieutruong@thleloi.edu.vn",
    "client_id": "demo-vendor",
    "name": "Trường Tiểu học Lê Lợi",
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZW1vLXZlbmRvciJ9.c2lnbmF0dXJl",
    "grant_type": "client_credentials",
    "client_secret": "cs_demo_embedded-demo-vendor-secret",
    "scope": "assessments:read assessments:write",
    "sub": "demo-vendor",
    "kind": "self",
    "state": "draft",
    "issuer": "chiso-gateway",
    "school_name": "Trường Tiểu học Lê Lợi",
    "title": "Kế hoạch chuyển đổi số năm học 2024-2025",
    "id": "01JD8Z6M3N4P5Q6R7S8T9V0W1X",
    "reason": "Thiếu minh chứng cho tiêu chí 1.3",
    "url": "https://vendor.example/hooks/chiso",
}
MAX_DEPTH = 24


def _ref(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def example_of(schema: dict[str, Any], doc: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    """One value valid against `schema` ($refs into `doc` resolved, recursion bounded)."""
    if "$ref" in schema:
        return example_of(_ref(doc, schema["$ref"]), doc, name, depth + 1) if depth < MAX_DEPTH else {}
    for key in ("example", "default", "const"):
        if key in schema and schema[key] is not None:
            return schema[key]
    if schema.get("examples") and isinstance(schema["examples"], list):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [s for s in schema.get(key, []) if s.get("type") != "null"]
        if options:
            return example_of(options[0], doc, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        if depth >= MAX_DEPTH:
            return {}
        props: dict[str, Any] = schema.get("properties", {})
        return {k: example_of(v, doc, k, depth + 1) for k, v in props.items()}
    if kind == "array":
        item = example_of(schema.get("items", {}), doc, name, depth + 1) if depth < MAX_DEPTH else None
        return [] if item is None else [item]
    if kind == "integer":
        return max(int(schema.get("minimum", 0)), 1)
    if kind == "number":
        return max(float(schema.get("minimum", 0)), 1.5)
    if kind == "boolean":
        return True
    if kind == "string":
        if schema.get("format") in _BY_FORMAT:
            return _BY_FORMAT[schema["format"]]
        return _BY_NAME.get(name, name or "text" if "pattern" not in schema else None)
    return None


def has_example(media: dict[str, Any], doc: dict[str, Any]) -> bool:
    if "example" in media or "examples" in media:
        return True
    schema = media.get("schema", {})
    target = _ref(doc, schema["$ref"]) if "$ref" in schema else schema
    return bool(target.get("examples") or target.get("example"))


def fill(media: dict[str, Any], doc: dict[str, Any]) -> None:
    """Give a media type an example when it has none (its schema's own example moved up)."""
    if "example" in media or "examples" in media:
        return
    schema = media.get("schema", {})
    target = _ref(doc, schema["$ref"]) if "$ref" in schema else schema
    value = example_of(schema, doc)
    if target.get("examples") and isinstance(target["examples"], list):
        value = target["examples"][0]
    if value is None and not target:
        value = {}  # an open schema: any JSON value is valid, the answer is an object
    if value is not None:
        media["example"] = value
