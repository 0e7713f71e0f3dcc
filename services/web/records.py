"""Records as a person types them: a plan target's fact as `count=40`, a member per line with its
fields separated by `|`, a schedule line `school code | date`. Parsed into the API's bodies and
written back for the form; the API checks every rule and points at what is wrong."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SEP = "|"
COUNCIL_MEMBER = ("name", "position", "role", "task")
TEAM_MEMBER = ("name", "position", "workplace", "role", "task")
ASSIGNMENT = ("school_code", "on")
HEAD = ("decision_number", "decision_date", "signer_name")
BOOL = {
    "true": True,
    "có": True,
    "co": True,
    "yes": True,
    "false": False,
    "không": False,
    "khong": False,
    "no": False,
}


def parse_fact(text: str) -> dict[str, Any]:
    """`count=40, note=x` → {"count": 40, "note": "x"}; numbers as integers, yes/no as booleans.
    A word without `=` is read as a choice (`level3` → {"choice": "level3"})."""
    out: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, eq, value = part.partition("=")
        if not eq:
            out["choice"] = part
            continue
        v = value.strip()
        out[key.strip()] = int(v) if v.isdigit() else BOOL.get(v.lower(), v)
    return out


def show_fact(fact: Mapping[str, Any] | None) -> str:
    def one(v: Any) -> str:
        return str(v).lower() if isinstance(v, bool) else str(v)

    return ", ".join(f"{k}={one(v)}" for k, v in (fact or {}).items())


def parse_lines(text: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """One record per non-empty line, its fields in `fields` order; an empty field is left out
    (the API says which one is required)."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(SEP)]
        rows.append({f: c for f, c in zip(fields, cells, strict=False) if c})
    return rows


def show_lines(rows: Iterable[Mapping[str, Any]], fields: tuple[str, ...]) -> str:
    return "\n".join(f" {SEP} ".join(str(r.get(f) or "") for f in fields) for r in rows)


def plan_body(form: Mapping[str, Any]) -> dict[str, Any]:
    """The plan form's rows (`item-N`, `target-N`, `owner-N`, `due-N`, `note-N`) as the PUT body;
    a row without an item is a blank row and is left out."""
    targets = []
    n = 0
    while f"item-{n}" in form:
        item = str(form[f"item-{n}"]).strip()
        if item:
            t: dict[str, Any] = {
                "item": item,
                "target": parse_fact(str(form.get(f"target-{n}") or "")),
                "owner": str(form.get(f"owner-{n}") or "").strip(),
                "due": str(form.get(f"due-{n}") or "") or None,
            }
            note = str(form.get(f"note-{n}") or "").strip()
            if note:
                t["note"] = note
            targets.append(t)
        n += 1
    return {"targets": targets}


def record_head(form: Mapping[str, Any]) -> dict[str, Any]:
    """The decision fields every record carries (number, date, signer); empty ones are null."""
    return {
        k: (str(form.get(k) or "").strip() or None)
        for k in ("decision_number", "decision_date", "signer_name")
    }


def teams_body(form: Mapping[str, Any]) -> dict[str, Any]:
    """Teams from `team-N` (name), `members-N` and `assignments-N` (lines); a row with no name,
    no member and no assignment is a blank one."""
    teams = []
    n = 0
    while f"team-{n}" in form:
        name = str(form[f"team-{n}"]).strip()
        members = parse_lines(str(form.get(f"members-{n}") or ""), TEAM_MEMBER)
        schedule = parse_lines(str(form.get(f"assignments-{n}") or ""), ASSIGNMENT)
        if name or members or schedule:
            teams.append({"name": name, "members": members, "assignments": schedule})
        n += 1
    return {**record_head(form), "teams": teams}
