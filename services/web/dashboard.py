"""The Sở dashboard's figures, shaped from the gateway's GraphQL answers. Counts and averages are
computed by the scoring service in SQL; here they are only arranged (and the level breakdown by
school level is counted from the school list, which the GraphQL schema offers per school)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SUMMARY = """schools selfStates { state count } externalStates { state count }
  levels { kind group level count } criteria { kind code averagePoints assessed }
  timeliness { expected onTime late missing }"""
TREE = (
    "query Tree($year: String!) { orgTree { id: unitId name kind provinceCode summary(year: $year) { "
    + SUMMARY
    + " } children { id: unitId name kind summary(year: $year) { "
    + SUMMARY
    + " } children { id: unitId children { id: unitId } } } } }"
)
SCHOOLS = """query Schools($year: String!, $filter: SchoolFilter, $after: String) {
  schools(year: $year, first: 200, filter: $filter, after: $after) {
    nodes { code name levels managingUnitId selfAssessment { state overallLevel group1Level group2Level }
            externalAssessment { state overallLevel } }
    pageInfo { endCursor hasNextPage } } }"""
ORG = """query Org($id: String!) {
  orgUnit(unitId: $id) { id: unitId name
    children { id: unitId name children { id: unitId children { id: unitId } } } } }"""
AT_RISK = """query Risk($year: String!, $province: String) {
  atRisk(year: $year, province: $province) {
    asOf withinDays schools { schoolCode schoolName daysLeft reason onTimeDeadline } } }"""
FINISHED = {"approved", "accepted"}
SCHOOL_LEVELS = ("TH", "THCS", "THPT", "GDTX")


@dataclass
class UnitRow:
    id: str
    name: str
    summary: dict[str, Any]
    states: dict[str, int] = field(default_factory=dict)
    ext_states: dict[str, int] = field(default_factory=dict)
    levels: dict[tuple[str, str, int], int] = field(default_factory=dict)  # (kind, group, level) → n

    def mean_level(self, kind: str, group: str = "overall") -> Decimal | None:
        pairs = [(lv, n) for (k, g, lv), n in self.levels.items() if k == kind and g == group]
        total = sum(n for _, n in pairs)
        if not total:
            return None
        return (Decimal(sum(lv * n for lv, n in pairs)) / total).quantize(Decimal("0.01"))

    def share_at_least(self, level: int) -> Decimal | None:
        pairs = [(lv, n) for (k, g, lv), n in self.levels.items() if k == "self" and g == "overall"]
        total = sum(n for _, n in pairs)
        if not total:
            return None
        return (Decimal(sum(n for lv, n in pairs if lv >= level)) / total).quantize(Decimal("0.01"))


def unit_row(u: dict[str, Any]) -> UnitRow:
    s = u.get("summary") or {
        "schools": 0,
        "selfStates": [],
        "externalStates": [],
        "levels": [],
        "criteria": [],
    }
    return UnitRow(
        u["id"],
        u["name"],
        s,
        states={x["state"]: x["count"] for x in s["selfStates"]},
        ext_states={x["state"]: x["count"] for x in s["externalStates"]},
        levels={(x["kind"], x["group"], x["level"]): x["count"] for x in s["levels"]},
    )


def weakest(summary: dict[str, Any], framework: dict[str, Any], n: int = 5) -> list[dict[str, Any]]:
    """Criteria by their average points as a share of their maximum, weakest first (self)."""
    maxima = {
        c["code"]: (Decimal(c["max_points"]), c["title"])
        for g in framework["groups"]
        for c in g["criteria"]
        if c.get("max_points")
    }
    rows = []
    for c in summary.get("criteria", []):
        if c["kind"] != "self" or c["code"] not in maxima or not c["assessed"]:
            continue
        top, title = maxima[c["code"]]
        avg = Decimal(str(c["averagePoints"]))
        rows.append(
            {
                "code": c["code"],
                "title": title,
                "average": avg,
                "max": top,
                "share": (avg / top).quantize(Decimal("0.001")),
                "assessed": c["assessed"],
            }
        )
    return sorted(rows, key=lambda r: (r["share"], r["code"]))[:n]


def unit_of(children: list[dict[str, Any]]) -> dict[str, str]:
    """Each unit id (two levels down) → the child of the root it belongs to."""
    out: dict[str, str] = {}
    for c in children:
        out[c["id"]] = c["id"]
        for g in c.get("children", []):
            out[g["id"]] = c["id"]
            for gg in g.get("children", []):
                out[gg["id"]] = c["id"]
    return out


def levels_by_school_level(
    schools: list[dict[str, Any]], owner: dict[str, str], root: str
) -> dict[str, dict[str, Counter[str]]]:
    """unit → school level → overall level ("1".."3", or "none") of finished self-assessments."""
    table: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for s in schools:
        unit = owner.get(s.get("managingUnitId") or "", root)
        a = s.get("selfAssessment") or {}
        level = str(a.get("overallLevel")) if a.get("state") in FINISHED and a.get("overallLevel") else "none"
        for sl in s["levels"]:
            table[unit][sl][level] += 1
    return table
