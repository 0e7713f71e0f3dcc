"""Scoring an assessment's stored document with its pinned framework, and the snapshots derived
from the result (the compact summary kept on the row, the criteria rows, the event payload)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from services.scoring.assessments.models import Assessment
from services.scoring.engine import ScoreResult, score
from services.scoring.engine.vocabulary import parse_input
from services.scoring.frameworks.registry import Published
from services.scoring.frameworks.schemas import render_result
from services.scoring.metrics import SCORED
from shared.contracts import Approval, AssessmentKind, AssessmentSnapshot, CriterionSnapshot, GroupSnapshot
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
    a.g1_points, a.g1_level = (g["1"].points, g["1"].level) if "1" in g else (None, None)
    a.g2_points, a.g2_level = (g["2"].points, g["2"].level) if "2" in g else (None, None)
    a.overall_level = r.overall_level
    a.result = {
        "groups": [group_snapshot(grp).model_dump(mode="json") for grp in r.groups],
        "items": {
            i.code: [str(i.cap), str(i.points)] for grp in r.groups for c in grp.criteria for i in c.items
        },
    }
    return [
        {"assessment_id": a.id, "code": c.code, "points": c.points, "level": c.level, "met": c.met}
        for grp in r.groups
        for c in grp.criteria
    ]


def group_snapshot(grp: Any) -> GroupSnapshot:
    return GroupSnapshot(
        code=grp.code,
        points=str(grp.points),
        level=grp.level,
        mandatory_met=grp.mandatory_met,
        criteria=[
            CriterionSnapshot(
                code=c.code, points=None if c.points is None else str(c.points), level=c.level, met=c.met
            )
            for c in grp.criteria
        ],
    )


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
