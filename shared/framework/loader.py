"""Loading framework documents and applying province overlays.

An overlay derives a framework from another by code: for each group, criterion or item code it
names, the given fields replace the base's (a criterion's `items` list may be replaced whole, which
is how a province adopts the split reading of 2.3.3 under I-4). Interpretations are added or
replaced by id; policies are merged. The result is validated exactly like a base document.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.framework.model import OVERLAY_FORMAT, Framework, Interpretation, Text


class FrameworkError(ValueError):
    """A document that cannot be loaded: the messages say where and why."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class Overlay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["chiso.framework-overlay/v1"] = OVERLAY_FORMAT
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    version: int = Field(ge=1)
    derived_from: str = Field(pattern=r"^[a-z0-9-]+@\d+$", description="base framework `id@version`")
    title: Text
    province: str | None = None
    school_years: dict[str, str | None] | None = None
    policies: dict[str, str] = Field(default_factory=dict)
    interpretations: list[Interpretation] = Field(default_factory=list)
    patch: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="code → fields replacing the base's at that code"
    )


def read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise FrameworkError(str(path), ["the document is not a mapping"])
    return data


def _errors(e: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]


def parse_framework(data: dict[str, Any], source: str = "<document>") -> Framework:
    try:
        return Framework.model_validate(data)
    except ValidationError as e:
        raise FrameworkError(source, _errors(e)) from e


def apply_overlay(base: Framework, overlay_data: dict[str, Any], source: str = "<overlay>") -> Framework:
    try:
        ov = Overlay.model_validate(overlay_data)
    except ValidationError as e:
        raise FrameworkError(source, _errors(e)) from e
    if ov.derived_from != base.ref:
        raise FrameworkError(source, [f"derives from {ov.derived_from}, but the base is {base.ref}"])
    doc = base.model_dump(mode="json")
    nodes: dict[str, dict[str, Any]] = {}
    for g in doc["groups"]:
        nodes[g["code"]] = g
        for c in g["criteria"]:
            nodes[c["code"]] = c
            for i in c["items"]:
                nodes[i["code"]] = i
    problems = [f"patch names unknown code {code!r}" for code in ov.patch if code not in nodes]
    for code, fields in ov.patch.items():
        if code in nodes:
            if "code" in fields and fields["code"] != code:
                problems.append(f"patch may not change the code of {code}")
            nodes[code].update(copy.deepcopy(fields))
    if problems:
        raise FrameworkError(source, problems)
    by_id = {i["id"]: i for i in doc["interpretations"]}
    for interp in ov.interpretations:
        by_id[interp.id] = interp.model_dump(mode="json")
    doc["interpretations"] = sorted(by_id.values(), key=lambda i: int(i["id"].split("-")[1]))
    doc["policies"] = {**doc["policies"], **ov.policies}
    doc.update(id=ov.id, version=ov.version, title=ov.title.model_dump(), derived_from=base.ref)
    if ov.province is not None:
        doc["province"] = ov.province
    if ov.school_years is not None:
        doc["school_years"] = {**doc["school_years"], **ov.school_years}
    return parse_framework(doc, source)


def load_directory(directory: Path) -> list[Framework]:
    """Every base document, then every overlay whose base is loaded (overlays may chain)."""
    bases: list[Framework] = []
    overlays: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(directory.glob("*.yaml")):
        data = read_yaml(path)
        if data.get("format") == OVERLAY_FORMAT:
            overlays.append((path, data))
        else:
            bases.append(parse_framework(data, str(path)))
    loaded = {f.ref: f for f in bases}
    pending = overlays
    while pending:
        rest = [(p, d) for p, d in pending if d.get("derived_from") not in loaded]
        ready = [(p, d) for p, d in pending if d.get("derived_from") in loaded]
        if not ready:
            raise FrameworkError(str(rest[0][0]), [f"base {rest[0][1].get('derived_from')} not found"])
        for p, d in ready:
            f = apply_overlay(loaded[d["derived_from"]], d, str(p))
            loaded[f.ref] = f
        pending = rest
    return list(loaded.values())
