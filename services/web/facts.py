"""Forms generated from the framework's facts vocabulary (docs/frameworks.md, "Cap rules and the
facts they read"): one field per fact an item's cap rule reads, so a new framework version or a
province's overlay needs no change here. Saving merges the form into the facts already stored,
so facts the form does not show (evidence lists, details) are kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData


@dataclass
class Field:
    name: str  # form field name: f|<fact code>|<attribute>
    code: str
    attr: str
    kind: str  # checkbox | number | select
    label: str  # a key of i18n.WORDS
    value: Any = None
    options: list[str] = field(default_factory=list)


@dataclass
class Row:
    code: str
    title: dict[str, str]
    fields: list[Field]
    editable: bool = True


@dataclass
class Section:
    code: str
    title: dict[str, str]
    rows: list[Row]


def _check(code: str, attr: str) -> Field:
    return Field(f"f|{code}|{attr}", code, attr, "checkbox", attr)


def _fields(code: str, rule: dict[str, Any]) -> list[Field]:
    r = rule.get("rule")
    if r == "fixed":
        return [Field(f"f|{code}|deployed", code, "deployed", "checkbox", "deployed")]
    if r == "count_band":
        return [Field(f"f|{code}|count", code, "count", "number", "count")]
    if r == "percent_band":
        return [Field(f"f|{code}|{a}", code, a, "number", a) for a in ("numerator", "denominator")]
    if r == "level" and rule.get("derive"):
        return [Field(f"f|{code}|{a}", code, a, "number", a) for a in ("class_size", "lab_computers")]
    if r == "level":
        opts = sorted(str(k) for k in rule.get("points", {}))
        return [Field(f"f|{code}|level", code, "level", "select", "level", options=opts)]
    if r == "choice":
        return [
            Field(f"f|{code}|mode", code, "mode", "select", "choice", options=list(rule.get("options", {})))
        ]
    return []


def build(framework: dict[str, Any], facts: dict[str, Any], open_items: list[str] | None) -> list[Section]:
    """The form's sections: shared systems first, then each group's criteria and items, with the
    stored values filled in. When a return reopened only some items, only those are editable."""

    def editable(code: str) -> bool:
        return open_items is None or any(code == o or code.startswith(o + ".") for o in open_items)

    ctx = [
        Row(c["code"], c["title"], [_check(c["code"], "deployed")])
        for c in framework.get("context_facts", [])
    ]
    sections = [Section("ctx", {"vi": "Hệ thống dùng chung", "en": "Shared systems"}, ctx)]
    for g in framework.get("groups", []):
        rows: list[Row] = []
        for c in g["criteria"]:
            if c["kind"] == "mandatory":
                rows.append(Row(c["code"], c["title"], [_check(c["code"], "met")]))
            rows += [Row(i["code"], i["title"], _fields(i["code"], i["cap"])) for i in c["items"]]
        sections.append(Section(g["code"], g["title"], rows))
    for sec in sections:
        for row in sec.rows:
            row.editable = open_items is None if sec.code == "ctx" else editable(row.code)
            for f in row.fields:
                f.value = (facts.get(f.code) or {}).get(f.attr)
    return sections


def _value(f: Field, raw: str | None) -> Any:
    if f.kind == "checkbox":
        return raw is not None
    if raw is None or raw.strip() == "":
        return None
    if f.kind == "number":
        try:
            return int(raw)
        except ValueError:
            return raw  # sent as typed: the service answers with the field's pointer and why
    return int(raw) if f.attr == "level" and raw.isdigit() else raw


def merge(sections: list[Section], form: FormData, facts: dict[str, Any]) -> dict[str, Any]:
    """The stored facts with every editable field of the form applied."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in facts.items()}
    for sec in sections:
        for row in sec.rows:
            if not row.editable:
                continue
            for f in row.fields:
                raw = form.get(f.name)
                value = _value(f, raw if isinstance(raw, str) else None)
                fact = out.setdefault(f.code, {})
                if value is None:
                    fact.pop(f.attr, None)
                else:
                    fact[f.attr] = value
                if not fact:
                    out.pop(f.code)
    return out
