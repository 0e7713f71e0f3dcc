"""Scoring an assessment's stored document with its pinned framework, and the snapshots derived
from the result (the compact summary kept on the row, the criteria rows, the event payload)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from services.scoring.assessments.models import Assessment
from services.scoring.engine import GroupResult, ScoreResult, score
from services.scoring.engine.result import cents_text, dec
from services.scoring.engine.vocabulary import parse_input
from services.scoring.frameworks.registry import Published
from services.scoring.frameworks.schemas import render_result
from services.scoring.metrics import SCORED
from shared.contracts import Approval, AssessmentKind, AssessmentSnapshot, GroupSnapshot
from shared.errors import FieldError, Unprocessable
from shared.i18n import msg


@dataclass
class Scored:
    result: ScoreResult
    awarded: dict[str, str]


def score_document(
    pub: Published,
    levels: list[str],
    facts: dict[str, Any],
    awarded: dict[str, Any],
    root: tuple[str | int, ...] = (),
) -> Scored:
    inp, errors = parse_input(pub.compiled, levels, facts, awarded, root)
    if inp is None:
        SCORED.labels("assessment", "invalid").inc()
        raise Unprocessable(errors=errors)
    result = score(pub.compiled, inp)
    SCORED.labels("assessment", "invalid" if result.violations else "scored").inc()
    if result.violations:
        raise Unprocessable(
            errors=[
                FieldError(
                    pointer="/".join(("", *map(str, root))) + v.pointer if root else v.pointer,
                    code=v.code,
                    message=msg(
                        f"Điểm chấm {v.awarded} vượt quá điểm tối đa {v.cap} của nội dung {v.item}.",
                        f"Awarded {v.awarded} exceeds item {v.item}'s cap of {v.cap}.",
                    ),
                )
                for v in result.violations
            ]
        )
    return Scored(result, {k: str(v) for k, v in inp.awarded.items()})


def content_hash(
    framework: str, levels: list[str], facts: dict[str, Any], awarded: dict[str, str], evidence: list[str]
) -> str:
    doc = {
        "framework": framework,
        "levels": sorted(levels),
        "facts": facts,
        "awarded": awarded,
        "evidence": sorted(evidence),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def apply_result(a: Assessment, r: ScoreResult) -> list[dict[str, Any]]:
    """Denormalise the result onto the row (for SQL aggregation) and return its criteria rows.

    The rows are plain dicts for a core INSERT: building table-model instances costs ~100 µs each
    and a bulk request writes 11 per school (measured in bench/bulk.py)."""
    g = {grp.code: grp for grp in r.groups}
    a.g1_points, a.g1_level = (_DEC[g["1"].points_c], g["1"].level) if "1" in g else (None, None)
    a.g2_points, a.g2_level = (_DEC[g["2"].points_c], g["2"].level) if "2" in g else (None, None)
    a.overall_level = r.overall_level
    text = _TEXT
    a.result = {
        "groups": [group_snapshot(grp) for grp in r.groups],
        "items": {
            i.code: [text[i.cap_c], text[i.points_c]]
            for grp in r.groups
            for c in grp.criteria
            for i in c.items
        },
    }
    return [
        {"assessment_id": a.id, "code": c.code, "points": _DEC[c.points_c], "level": c.level, "met": c.met}
        for grp in r.groups
        for c in grp.criteria
    ]


class _Memo(dict[Any, Any]):
    """Hundredths → their exact decimal form (`Decimal` or its text), computed once per value:
    a bulk request converts ~60 per school, from a few hundred distinct values. None stays None."""

    def __init__(self, convert: Any) -> None:
        super().__init__({None: None})
        self.convert = convert

    def __missing__(self, c: int) -> Any:
        if len(self) > 65536:
            self.clear()
            self[None] = None
        v = self[c] = self.convert(c)
        return v


_DEC = _Memo(dec)  # Decimal is immutable: one instance per value is safe to share
_TEXT = _Memo(cents_text)  # "6", "5.5": as str(Decimal) writes them


def group_snapshot(grp: GroupResult) -> dict[str, Any]:
    """A group's score in the shape every consumer reads (`shared.contracts.GroupSnapshot`, in
    its JSON form): stored on the row, carried by the approval event, summarised by bulk.
    Written as the dict directly; tests/scoring/test_properties.py checks it validates as
    `GroupSnapshot` and dumps back to itself."""
    text = _TEXT
    return {
        "code": grp.code,
        "points": text[grp.points_c],
        "level": grp.level,
        "mandatory_met": grp.mandatory_met,
        "criteria": [
            {"code": c.code, "points": text[c.points_c], "level": c.level, "met": c.met} for c in grp.criteria
        ],
    }


def snapshot(a: Assessment, school_name: str | None, province: str | None) -> AssessmentSnapshot:
    approval = None
    if a.kind == AssessmentKind.SELF and a.approved_at is not None and a.approved_by is not None:
        approval = Approval(by=a.approved_by, by_name=a.approved_by_name, at=a.approved_at)
    if a.kind == AssessmentKind.EXTERNAL and a.recognised_at is not None:
        approval = Approval(
            by=a.recognised_by or "",
            at=a.recognised_at,
            decision_number=a.decision_number,
            decision_date=a.decision_date.isoformat() if a.decision_date else None,
        )
    return AssessmentSnapshot(
        assessment_id=a.id,
        school_code=a.school_code,
        school_name=school_name,
        province_code=province,
        school_year=a.school_year,
        kind=a.kind,
        framework=a.framework,
        version=a.version,
        state=a.state,
        groups=[GroupSnapshot.model_validate(g) for g in a.result.get("groups", [])],
        approval=approval,
        evidence_ids=list(a.evidence_ids),
        content_hash=a.content_hash,
    )


def breakdown(
    pub: Published, levels: list[str], a: Assessment, scored: Scored | None = None
) -> dict[str, Any]:
    """The full breakdown with explanations: the write's own score when there is one, otherwise
    recomputed from the stored document (pure and fast)."""
    s = scored if scored is not None else score_document(pub, levels, a.facts, a.awarded)
    return render_result(s.result, pub.titles)
