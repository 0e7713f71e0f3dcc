"""The facts vocabulary of one framework as JSON Schema (2020-12), generated from the compiled
framework: the shape each code takes follows its cap rule, exactly as `vocabulary.parse_input`
checks it, so a vendor can generate typed facts and validate them before sending. Served at
`GET /api/v1/frameworks/{id}/facts.schema.json` and referenced from the assessment bodies."""

from __future__ import annotations

from typing import Any

from services.scoring.engine.compiled import CItem, CompiledFramework
from services.scoring.engine.vocabulary import MAX_COUNT

_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}
_DEPLOYED = {"type": "boolean", "description": "whether it is in use (đã triển khai)"}
# points: a number or a decimal string, at most two decimal places, never negative
POINTS: dict[str, Any] = {
    "oneOf": [
        {"type": "number", "minimum": 0, "multipleOf": 0.01},
        {"type": "string", "pattern": r"^\s*\d+(\.\d{1,2})?\s*$"},
    ],
    "description": "points awarded (a decimal, at most two places; strings keep them exact)",
}


def _obj(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": True}


def _item_shape(it: CItem) -> dict[str, Any]:
    if it.rule == "fixed":
        return _obj({"deployed": _DEPLOYED}, ["deployed"])
    if it.rule == "count_band":
        return _obj({"count": _COUNT}, ["count"])
    if it.rule == "percent_band":
        positive = {**_COUNT, "minimum": 1}
        return _obj({"numerator": _COUNT, "denominator": positive}, ["numerator", "denominator"])
    if it.rule == "level":
        override = _obj(
            {"level": {"enum": sorted(it.level_points)}, "reason": {"type": "string", "minLength": 1}},
            ["level", "reason"],
        )
        measure = _obj(
            {"class_size": {**_COUNT, "minimum": 1}, "lab_computers": _COUNT}, ["class_size", "lab_computers"]
        )
        return {"oneOf": [override, measure]}
    return _obj({"mode": {"enum": list(it.options)}}, ["mode"])


_MANDATORY = _obj(
    {
        "met": {"type": "boolean"},
        "evidence": {"type": "array", "items": {"description": "evidence id or reference"}},
        "members": {
            "type": "array",
            "items": _obj(
                {"name": {"type": "string", "minLength": 1}, "position": {"type": "string", "minLength": 1}},
                ["name", "position"],
            ),
        },
    },
    ["met"],
)
_CONTEXT = _obj(
    {"deployed": _DEPLOYED, "acquisition": {"enum": ["self_built", "purchased", "rented"]}}, ["deployed"]
)


def facts_schema(cf: CompiledFramework, base_url: str = "") -> dict[str, Any]:
    """`{"facts": …, "awarded": …}` schemas of the framework, keyed by code with their titles."""
    fw = cf.framework
    titles: dict[str, str] = {c.code: c.title.vi for c in fw.context_facts}
    for g in fw.groups:
        for c in g.criteria:
            titles[c.code] = c.title.vi
            titles.update({i.code: i.title.vi for i in c.items})
    facts: dict[str, Any] = {}
    for code in sorted(cf.context_codes):
        facts[code] = {**_CONTEXT, "description": titles.get(code, code)}
    for code in sorted(cf.mandatory_codes):
        facts[code] = {**_MANDATORY, "description": titles.get(code, code)}
    for code, it in cf.items.items():
        facts[code] = {**_item_shape(it), "description": titles.get(code, code)}
    awarded = {code: {**POINTS, "description": titles.get(code, code)} for code in cf.items}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base_url}/api/v1/frameworks/{cf.ref}/facts.schema.json",
        "title": f"Facts vocabulary of {cf.ref}",
        "type": "object",
        "properties": {
            "facts": {"type": "object", "properties": facts, "additionalProperties": False},
            "awarded": {"type": "object", "properties": awarded, "additionalProperties": False},
        },
    }
