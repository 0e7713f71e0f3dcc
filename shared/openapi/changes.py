"""Breaking changes between two OpenAPI documents, by a simple rule a vendor's generated client
would feel: an operation removed, a response or request field removed, an enum value removed,
or a parameter (or request field) newly required. Each is named by a token (`operationId`,
`Schema.field`, `Schema=value`, `operationId(param)`) that the version's note in
docs/api-changes.md must mention."""

from __future__ import annotations

import re
from typing import Any

METHODS = ("get", "put", "post", "patch", "delete")


def _ops(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        str(op.get("operationId", f"{m} {p}")): op
        for p, item in doc.get("paths", {}).items()
        for m, op in item.items()
        if m in METHODS
    }


def _required_params(op: dict[str, Any]) -> set[str]:
    return {str(p["name"]) for p in op.get("parameters", []) if p.get("required")}


def breaking(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Tokens of the breaking changes from `old` to `new` (empty: compatible)."""
    out: list[str] = []
    old_ops, new_ops = _ops(old), _ops(new)
    for oid, op in old_ops.items():
        if oid not in new_ops:
            out.append(oid)
            continue
        for name in sorted(_required_params(new_ops[oid]) - _required_params(op)):
            out.append(f"{oid}({name})")
    old_s = old.get("components", {}).get("schemas", {})
    new_s = new.get("components", {}).get("schemas", {})
    for name, schema in old_s.items():
        now = new_s.get(name)
        if now is None:
            continue  # a schema's name is not part of the wire format; its uses are checked above
        for field in sorted(set(schema.get("properties", {})) - set(now.get("properties", {}))):
            out.append(f"{name}.{field}")
        for field in sorted(set(now.get("required", [])) - set(schema.get("required", []))):
            if field in schema.get("properties", {}):  # an optional member now required
                out.append(f"{name}.{field}")
        for value in sorted(map(str, set(schema.get("enum", [])) - set(now.get("enum", [])))):
            out.append(f"{name}={value}")
    return out


def noted(changes_md: str, version: str) -> str:
    """The section of docs/api-changes.md for `version` ('' when there is none)."""
    m = re.search(rf"^## {re.escape(version)}\s*$(.*?)(?=^## |\Z)", changes_md, re.M | re.S)
    return m.group(1) if m else ""
