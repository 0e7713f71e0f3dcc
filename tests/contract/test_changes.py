"""A breaking change to the OpenAPI document or the GraphQL schema needs a version note in
docs/api-changes.md. The base is the branch the change goes into (`API_BASE_REF`, default
`main`); the rule itself is tested on small documents."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from graphql import build_schema
from graphql.utilities import find_breaking_changes

from services.gateway.graphql.export import EXPORTED as GRAPHQL
from services.gateway.openapi_export import EXPORTED as OPENAPI
from shared.openapi.changes import breaking, noted

ROOT = Path(__file__).parents[2]
CHANGES = ROOT / "docs" / "api-changes.md"


def _at_base(path: Path) -> str | None:
    ref = os.environ.get("API_BASE_REF", "main")
    rel = path.relative_to(ROOT).as_posix()
    out = subprocess.run(
        ["git", "show", f"{ref}:{rel}"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return out.stdout if out.returncode == 0 else None


def _doc() -> dict[str, Any]:
    return dict(json.loads(OPENAPI.read_text(encoding="utf-8")))


def test_openapi_breaking_changes_have_a_version_note():
    new = _doc()
    section = noted(CHANGES.read_text(encoding="utf-8"), new["info"]["version"])
    base = _at_base(OPENAPI)
    if base is None:  # the document is new on this branch: its version is introduced by a note
        assert section.strip(), f"docs/api-changes.md has no section for {new['info']['version']}"
        return
    old = json.loads(base)
    found = breaking(old, new)
    if found:
        assert new["info"]["version"] != old["info"]["version"], f"breaking {found}: bump info.version"
    missing = [token for token in found if token not in section]
    assert not missing, f"breaking changes without a note in docs/api-changes.md: {missing}"


def test_graphql_breaking_changes_have_a_version_note():
    base = _at_base(GRAPHQL)
    assert base is not None, "the GraphQL schema is checked in on the base branch"
    changes = find_breaking_changes(build_schema(base), build_schema(GRAPHQL.read_text(encoding="utf-8")))
    section = noted(CHANGES.read_text(encoding="utf-8"), _doc()["info"]["version"])
    missing = [c.description for c in changes if _subject(c.description) not in section]
    assert not missing, f"breaking GraphQL changes without a note in docs/api-changes.md: {missing}"


def _subject(description: str) -> str:
    """What a graphql-core breaking change is about: `Type.field`, or a type's name."""
    m = re.search(r"(\S+) (?:was|changed|is|has|no longer|added)", description)
    return m.group(1) if m else description


def test_graphql_change_subjects():
    assert _subject("Field Item.cap changed type from Float! to Decimal!.") == "Item.cap"
    assert _subject("Standard scalar Float was removed because it is not referenced anymore.") == "Float"


def _tiny() -> dict[str, Any]:
    return {
        "info": {"version": "1.0.0"},
        "paths": {
            "/a": {
                "get": {"operationId": "getA", "parameters": [{"name": "q", "in": "query"}]},
                "put": {"operationId": "putA"},
            }
        },
        "components": {
            "schemas": {
                "A": {"properties": {"x": {}, "y": {}}, "required": ["x"]},
                "Kind": {"enum": ["self", "external"]},
            }
        },
    }


def test_the_rule_finds_each_kind_of_breaking_change():
    old = _tiny()
    assert breaking(old, copy.deepcopy(old)) == []
    new = copy.deepcopy(old)
    del new["paths"]["/a"]["put"]
    new["paths"]["/a"]["get"]["parameters"][0]["required"] = True
    del new["components"]["schemas"]["A"]["properties"]["y"]
    new["components"]["schemas"]["Kind"]["enum"] = ["self"]
    assert sorted(breaking(old, new)) == sorted(["putA", "getA(q)", "A.y", "Kind=external"])


def test_additions_are_not_breaking():
    old = _tiny()
    new = copy.deepcopy(old)
    new["paths"]["/b"] = {"get": {"operationId": "getB"}}
    new["components"]["schemas"]["A"]["properties"]["z"] = {}
    new["components"]["schemas"]["Kind"]["enum"].append("unit")
    assert breaking(old, new) == []


def test_a_note_is_found_under_its_version_only():
    md = "# API changes\n\n## 1.2.0\n\n- removed `putA`\n\n## 1.1.0\n\n- added getB\n"
    assert "putA" in noted(md, "1.2.0")
    assert "putA" not in noted(md, "1.1.0")
    assert noted(md, "9.9.9") == ""
