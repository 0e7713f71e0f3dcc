"""`python -m services.gateway.api_docs`: write docs/api.md from openapi.json, one request and one
answer per operation, from the document's own examples (`make schema` runs it; a test fails when
the page and the document differ)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from services.gateway.openapi_export import EXPORTED as OPENAPI

PAGE = Path(__file__).parents[2] / "docs" / "api.md"
METHODS = ("get", "put", "post", "patch", "delete")
MAX_EXAMPLE = 1200  # characters; longer examples are cut (the document has them whole)

HEAD = """# The REST API, operation by operation

Generated from `openapi.json` by `make schema` (do not edit by hand). Each operation shows one
request and one answer from the document's examples; errors are `application/problem+json`
(`Problem`: `code`, bilingual `message`, `validation_errors[].pointer`). Authentication, scopes
and rate limits: docs/gateway.md. Changes between versions: docs/api-changes.md.
"""


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text if len(text) <= MAX_EXAMPLE else text[:MAX_EXAMPLE].rsplit("\n", 1)[0] + "\n  …"


def _example(content: dict[str, Any]) -> tuple[str, Any] | None:
    for media_type, media in content.items():
        if "example" in media:
            return media_type, media["example"]
        for ex in media.get("examples", {}).values():
            if "value" in ex:
                return media_type, ex["value"]
    return None


def _body(media_type: str, value: Any) -> str:
    if "json" in media_type:
        return _json(value)
    if media_type == "application/x-www-form-urlencoded" and isinstance(value, dict):
        return "&".join(f"{k}={v}" for k, v in value.items())
    return f"<{media_type}>"


def _request(method: str, path: str, op: dict[str, Any]) -> list[str]:
    query = [p for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")]
    qs = "&".join(f"{p['name']}={p.get('example', '…')}" for p in query)
    lines = [f"{method.upper()} {path}{'?' + qs if qs else ''}"]
    if op.get("security") != []:
        lines.append("Authorization: Bearer <token>")
    body = _example(op.get("requestBody", {}).get("content", {}))
    if body is not None:
        lines += [f"Content-Type: {body[0]}", "", _body(*body)]
    return ["```http", *lines, "```"]


def _answer(op: dict[str, Any]) -> list[str]:
    for status, resp in op.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        found = _example(resp.get("content", {}))
        head = f"{status} {resp.get('description', '')}".strip()
        if found is None:
            return ["```http", head, "```"]
        media_type, value = found
        text = _json(value) if "json" in media_type else "<" + media_type + ">"
        return ["```http", head, f"Content-Type: {media_type}", "", text, "```"]
    return []


def render(doc: dict[str, Any]) -> str:
    out = [HEAD]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {t["name"]: [] for t in doc.get("tags", [])}
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                by_tag.setdefault((op.get("tags") or ["other"])[0], []).append((method, path, op))
    descriptions = {t["name"]: t.get("description", "") for t in doc.get("tags", [])}
    for tag, ops in by_tag.items():
        if not ops:
            continue
        out += [f"## {tag}", "", descriptions.get(tag, ""), ""]
        for method, path, op in ops:
            access = "public" if op.get("security") == [] else "token"
            errors = ", ".join(s for s in op["responses"] if s[0] in "45")
            out += [f"### {op['summary']}", "", f"`{op['operationId']}` · {access} · errors: {errors}", ""]
            out += [*_request(method, path, op), "", *_answer(op), ""]
    out += ["## Webhooks", "", "Signed the Standard Webhooks way (docs/sync.md).", ""]
    for event, hook in doc.get("webhooks", {}).items():
        body = _example(hook["post"]["requestBody"]["content"])
        out += [f"### `{event}`", "", "```json", _json(body[1] if body else {}), "```", ""]
    return "\n".join(out).rstrip() + "\n"


def main() -> None:
    PAGE.write_text(render(json.loads(OPENAPI.read_text(encoding="utf-8"))), encoding="utf-8")


if __name__ == "__main__":
    main()
