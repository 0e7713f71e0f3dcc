"""The one write path's planning step, shared by PUT and bulk: validate and score the document,
diff it against the stored one, and produce the new row values, the criteria rows and the audit
rows. No I/O here: PUT and bulk differ only in how the planned rows reach the database (PUT one
conditional UPDATE; bulk multi-row INSERTs and one flush), so their checks, audit shape (state
included in before/after) and errors cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.scoring.assessments import rules
from services.scoring.assessments.models import State
from services.scoring.assessments.scoring import Scored, apply_result, content_hash, score_document
from services.scoring.frameworks.registry import Published
from shared.db import utcnow
from shared.errors import FieldError, PreconditionFailed, Unprocessable
from shared.i18n import msg
from shared.principal import Principal
from shared.requestid import current_request_id


@dataclass
class Plan:
    created: bool
    changed: bool
    scored: Scored
    criteria: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)


def doc(a: Any) -> dict[str, Any]:
    """What the audit records of a row, before and after."""
    return {
        "state": str(a.state),
        "facts": a.facts,
        "awarded": a.awarded,
        "evidence_ids": a.evidence_ids,
        "version": a.version,
    }


def audit_row(
    p: Principal, a: Any, action: str, before: dict[str, Any], reason: str | None = None
) -> dict[str, Any]:
    return {
        "assessment_id": a.id,
        "at": utcnow(),
        "actor": p.sub,
        "actor_kind": p.kind.value,
        "roles": sorted(r.value for r in p.roles),
        "action": action,
        "version": a.version,
        "before": before,
        "after": doc(a),
        "reason": reason,
        "request_id": current_request_id(),
    }


def check_expected_version(a: Any | None, expected: int | None, root: str) -> None:
    """A bulk row's `expected_version`, the bulk form of If-Match: the draft is written only if it
    is still at that version (0: only if there is none yet). Without it a row overwrites the draft
    whatever its version, as a vendor's nightly full upload means to."""
    if expected is None:
        return
    current = 0 if a is None else int(a.version)
    if current == expected:
        return
    raise PreconditionFailed(
        msg(
            f"Bản đánh giá đang ở phiên bản {current}, không phải {expected}.",
            f"The assessment is at version {current}, not {expected}.",
        ),
        errors=[
            FieldError(
                pointer=f"{root}/expected_version",
                code="version_mismatch",
                message=msg("Phiên bản đã thay đổi.", "The version has changed."),
            )
        ],
        current_version=current,
    )


def plan_write(
    p: Principal,
    pub: Published,
    levels: list[str],
    a: Any,
    created: bool,
    body: Any,
    root: tuple[str | int, ...] = (),
    action_prefix: str = "",
) -> Plan:
    """Score `body` (facts, awarded, evidence_ids) for row `a` and, if it changes anything, set
    the row's new values in memory and plan its criteria and audit rows."""
    scored = score_document(pub, levels, body.facts, body.awarded, root)
    digest = content_hash(a.framework, levels, body.facts, scored.awarded, body.evidence_ids)
    if not created and digest == a.content_hash:
        return Plan(created, False, scored)  # unchanged: no new version, no audit noise
    before = {} if created else doc(a)
    a.facts, a.awarded, a.evidence_ids, a.content_hash = body.facts, scored.awarded, body.evidence_ids, digest
    a.version = a.version if created else a.version + 1
    a.updated_at = utcnow()
    criteria = apply_result(a, scored.result)
    audit = audit_row(p, a, action_prefix + ("create" if created else "update"), before)
    return Plan(created, True, scored, criteria, [audit])


def check_submission(facts: dict[str, Any], root: str = "") -> None:
    """I-10: the information the index asks for, required to submit (POST …/submit and bulk)."""
    missing = rules.submission(facts)
    if missing:
        for e in missing:
            e.pointer = root + e.pointer
        raise Unprocessable(
            msg("Còn thiếu thông tin chỉ số yêu cầu.", "Information the index asks for is missing."),
            code="incomplete_for_submission",
            errors=missing,
        )


def plan_submit(p: Principal, a: Any, root: str = "") -> dict[str, Any]:
    """Submit a draft (after the role and lock checks): the I-10 information must be there.
    Sets the row's state and returns its audit row."""
    check_submission(a.facts, root)
    before = doc(a)
    a.state, a.version, a.submitted_at, a.updated_at = (
        State.SUBMITTED.value,
        a.version + 1,
        utcnow(),
        utcnow(),
    )
    return audit_row(p, a, "submit", before)


def summary(a: Any) -> dict[str, Any]:
    """A row's score in brief: each group's points, level and mandatory condition; the derived
    overall level."""
    groups = [
        {k: g.get(k) for k in ("code", "points", "level", "mandatory_met")}
        for g in (a.result or {}).get("groups", [])
    ]
    return {"groups": groups, "overall_level": a.overall_level}
