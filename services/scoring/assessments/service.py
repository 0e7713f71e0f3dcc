"""Assessments: writing the document, moving it through the workflow, recording every change.

Every change of facts, points or state writes an audit entry (append-only) and, for state changes,
a change-feed event, in the same transaction as the change itself.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.assessments import workflow
from services.scoring.assessments.models import Assessment, AuditEntry, State
from services.scoring.assessments.repository import AssessmentRepository
from services.scoring.assessments.schemas import ActionBody, AssessmentWrite, Permissions, RecogniseBody
from services.scoring.assessments.scoring import (
    apply_result,
    breakdown,
    content_hash,
    score_document,
    snapshot,
)
from services.scoring.feed.repository import emit, event
from services.scoring.frameworks.registry import FrameworkRegistry, Published
from services.scoring.metrics import TRANSITIONS
from services.scoring.org.models import School
from services.scoring.org.repository import OrgRepository
from shared.contracts import AssessmentKind, EventType, is_school_year
from shared.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    SchoolNotFound,
    Unprocessable,
)
from shared.i18n import msg
from shared.principal import Principal, Role
from shared.requestid import current_request_id

S, E = AssessmentKind.SELF, AssessmentKind.EXTERNAL
EVENT_OF = {
    "submit": EventType.ASSESSMENT_SUBMITTED,
    "approve": EventType.ASSESSMENT_APPROVED,
    "return": EventType.ASSESSMENT_RETURNED,
    "accept": EventType.ASSESSMENT_ACCEPTED,
    "conclude": EventType.ASSESSMENT_CONCLUDED,
    "reopen": EventType.ASSESSMENT_RETURNED,
    "recognise": EventType.ASSESSMENT_RECOGNISED,
}
SNAPSHOT_EVENTS = {EventType.ASSESSMENT_APPROVED, EventType.ASSESSMENT_RECOGNISED}


class AssessmentNotFound(NotFound):
    code = "assessment_not_found"
    message = msg("Không tìm thấy bản đánh giá.", "Assessment not found.")


def check_year(year: str) -> None:
    if not is_school_year(year):
        raise Unprocessable(
            errors=[
                FieldError(
                    pointer="/path/year",
                    code="school_year_format",
                    message=msg(
                        "Năm học phải có dạng 2024-2025.", "A school year is written like 2024-2025."
                    ),
                )
            ]
        )


def _doc(a: Assessment) -> dict[str, Any]:
    return {
        "state": a.state,
        "facts": a.facts,
        "awarded": a.awarded,
        "evidence_ids": a.evidence_ids,
        "version": a.version,
    }


class AssessmentService:
    def __init__(self, session: AsyncSession, registry: FrameworkRegistry) -> None:
        self.session = session
        self.registry = registry
        self.repo = AssessmentRepository(session)
        self.org = OrgRepository(session)

    # -- reading -------------------------------------------------------------------------------

    async def _school(self, p: Principal, code: str) -> School:
        s = await self.org.school(code, p)
        if s is None:  # unknown or someone else's: the same answer, so existence is not revealed
            raise SchoolNotFound()
        return s

    async def get(self, p: Principal, code: str, year: str, kind: AssessmentKind) -> Assessment:
        check_year(year)
        await self._school(p, code)
        a = await self.repo.get(p, code, year, kind)
        if a is None:
            raise AssessmentNotFound()
        return a

    def published(self, a: Assessment) -> Published:
        pub = self.registry.get(a.framework)
        assert pub is not None, f"pinned framework {a.framework} is no longer loaded"
        return pub

    async def render(self, p: Principal, a: Assessment) -> dict[str, Any]:
        school = await self.org.school(a.school_code)
        assert school is not None
        kind = AssessmentKind(a.kind)
        return {
            **{
                k: getattr(a, k)
                for k in ("id", "school_code", "school_year", "kind", "framework", "version", "state")
            },
            **{
                k: getattr(a, k)
                for k in ("facts", "awarded", "evidence_ids", "open_items", "external_requested")
            },
            **{k: getattr(a, k) for k in ("review_comment", "item_comments", "submitted_at", "approved_at")},
            **{
                k: getattr(a, k) for k in ("approved_by", "decision_number", "decision_date", "recognised_at")
            },
            "official": kind is E and a.state == State.RECOGNISED,
            "score": breakdown(self.published(a), list(school.levels), a),
            "permissions": self.permissions(p, a),
        }

    def permissions(self, p: Principal, a: Assessment) -> Permissions:
        kind, state, roles = AssessmentKind(a.kind), State(a.state), p.roles
        acts = workflow.allowed(kind, state, roles)
        return Permissions(
            may_edit=state in workflow.EDITABLE[kind] and bool(roles & workflow.EDITORS[kind]),
            may_submit="submit" in acts,
            may_approve="approve" in acts,
            may_return="return" in acts,
            may_accept="accept" in acts,
            may_request_external=kind is S
            and state in {State.APPROVED, State.ACCEPTED}
            and not a.external_requested
            and Role.SCHOOL_HEAD in roles,
            may_start_external=kind is S
            and state == State.ACCEPTED
            and a.external_requested
            and bool(roles & {Role.ASSESSOR, Role.OFFICER}),
            may_conclude="conclude" in acts,
            may_reopen="reopen" in acts,
            may_recognise="recognise" in acts,
            allowed_actions=acts,
        )

    # -- writing the document ------------------------------------------------------------------

    def _audit(
        self, p: Principal, a: Assessment, action: str, before: dict[str, Any], reason: str | None = None
    ) -> None:
        self.session.add(
            AuditEntry(
                assessment_id=a.id,
                actor=p.sub,
                actor_kind=p.kind.value,
                roles=sorted(r.value for r in p.roles),
                action=action,
                version=a.version,
                before=before,
                after=_doc(a),
                reason=reason,
                request_id=current_request_id(),
            )
        )

    async def write(
        self,
        p: Principal,
        code: str,
        year: str,
        kind: AssessmentKind,
        body: AssessmentWrite,
        if_match: str | None,
        if_none_match: str | None = None,
    ) -> tuple[Assessment, bool]:
        """Create or replace the document (PUT). Returns the assessment and whether it was created."""
        check_year(year)
        school = await self._school(p, code)
        if not p.roles & workflow.EDITORS[kind]:
            raise Forbidden(
                msg("Vai trò này không được sửa bản đánh giá.", "This role may not edit the assessment."),
                hint=f"editing needs one of {sorted(r.value for r in workflow.EDITORS[kind])}",
            )
        a = await self.repo.get(p, code, year, kind, lock=True)
        created = a is None
        if a is None:
            a = await self._new(p, school, year, kind)
        if State(a.state) not in workflow.EDITABLE[kind]:
            raise Conflict(
                msg(
                    f"Bản đánh giá ở trạng thái {a.state}: chỉ đọc.",
                    f"The assessment is {a.state}: read-only.",
                ),
                code="not_editable",
                state=a.state,
                allowed_actions=workflow.allowed(kind, State(a.state), p.roles),
            )
        # read-only first: a conflict of state says more than a missing or stale precondition
        if not created and (if_none_match or "").strip() == "*":
            raise PreconditionFailed(
                msg("Bản đánh giá đã tồn tại.", "The assessment exists already."),
                current_version=a.version,
                current_etag=f'"{a.version}"',
            )
        self._check_version(a, if_match, created)
        pub = self.published(a)
        self._check_open_items(a, body)
        scored = score_document(pub, list(school.levels), body.facts, body.awarded)
        digest = content_hash(a.framework, list(school.levels), body.facts, scored.awarded, body.evidence_ids)
        if not created and digest == a.content_hash:
            return a, False  # unchanged: no new version, no audit noise
        before = {} if created else _doc(a)
        a.facts, a.awarded, a.evidence_ids, a.content_hash = (
            body.facts,
            scored.awarded,
            body.evidence_ids,
            digest,
        )
        a.version = a.version if created else a.version + 1
        a.updated_at = _now()
        await self.repo.replace_criteria(a.id, apply_result(a, scored.result))
        self._audit(p, a, "create" if created else "update", before)
        await self.session.flush()
        return a, created

    async def _new(self, p: Principal, school: School, year: str, kind: AssessmentKind) -> Assessment:
        if kind is E:
            self_a = await self.repo.get(p, school.code, year, S)
            if self_a is None or self_a.state != State.ACCEPTED or not self_a.external_requested:
                raise Conflict(
                    msg(
                        "Chỉ đánh giá ngoài khi bản tự đánh giá đã được tiếp nhận và trường đã đề nghị.",
                        "External assessment starts once the self-assessment is accepted "
                        "and the school has asked for it.",
                    ),
                    code="external_not_ready",
                )
        pub = self.registry.in_force(year, school.province_code)
        if pub is None:
            raise Unprocessable(
                errors=[
                    FieldError(
                        pointer="/path/year",
                        code="no_framework",
                        message=msg(
                            "Chưa có bộ chỉ số cho năm học này.", "No framework for this school year."
                        ),
                    )
                ]
            )
        state = State.DRAFT if kind is S else State.IN_PROGRESS
        a = Assessment(
            id=str(uuid.uuid4()),
            school_code=school.code,
            school_year=year,
            kind=kind.value,
            framework=pub.framework.ref,
            state=state,
        )
        self.session.add(a)
        await self.session.flush()
        return a

    def _check_version(self, a: Assessment, if_match: str | None, created: bool = False) -> None:
        """Changing an existing assessment needs its ETag in `If-Match` (no silent overwrite);
        creating needs none; `If-None-Match: *` asks that it be a creation."""
        if if_match is None:
            if created:
                return
            raise PreconditionRequired(
                msg(
                    f"Cần gửi If-Match với phiên bản hiện tại ({a.version}) để sửa bản đánh giá.",
                    f"Send If-Match with the current version ({a.version}) to change the assessment.",
                ),
                current_version=a.version,
                current_etag=f'"{a.version}"',
            )
        if if_match.strip() == "*":
            return
        if if_match.strip().strip("W/").strip('"') != str(a.version):
            raise PreconditionFailed(
                msg(
                    f"Bản đánh giá đã thay đổi; phiên bản hiện tại là {a.version}.",
                    f"The assessment has changed; the current version is {a.version}.",
                ),
                current_version=a.version,
                current_etag=f'"{a.version}"',
            )

    def _check_open_items(self, a: Assessment, body: AssessmentWrite) -> None:
        """After a reviewer's return only the items concerned reopen (and their facts)."""
        if a.open_items is None:
            return
        open_ = set(a.open_items)
        changed = {k for k in set(a.facts) | set(body.facts) if a.facts.get(k) != body.facts.get(k)}
        changed |= {
            k
            for k in set(a.awarded) | set(body.awarded)
            if str(a.awarded.get(k)) != str(body.awarded.get(k, a.awarded.get(k)))
        }
        locked = sorted(c for c in changed if c not in open_)
        if locked:
            raise Unprocessable(
                errors=[
                    FieldError(
                        pointer=f"/facts/{c}",
                        code="item_locked",
                        message=msg(
                            "Nội dung này không được mở lại để sửa.",
                            "This item was not reopened for changes.",
                        ),
                    )
                    for c in locked
                ],
                open_items=sorted(open_),
            )

    # -- workflow ------------------------------------------------------------------------------

    async def act(
        self,
        p: Principal,
        code: str,
        year: str,
        kind: AssessmentKind,
        action: str,
        body: ActionBody | RecogniseBody,
    ) -> Assessment:
        a = await self.get(p, code, year, kind)
        a = await self.repo.get(p, code, year, kind, lock=True) or a
        t = workflow.find(kind, action, State(a.state), p.roles)
        if t is None and workflow.find(kind, action, State(a.state), frozenset(Role)) is not None:
            need = sorted(
                r.value
                for tr in workflow.TRANSITIONS
                if tr.kind == kind and tr.action == action
                for r in tr.roles
            )
            raise Forbidden(
                msg(f"Vai trò này không được '{action}'.", f"This role may not '{action}'."),
                hint=f"'{action}' needs one of {need}; this token has {sorted(r.value for r in p.roles)}",
            )
        if t is None:
            raise Conflict(
                msg(
                    f"Không thể '{action}' ở trạng thái {a.state}.",
                    f"Cannot '{action}' from state {a.state}.",
                ),
                code="illegal_transition",
                state=a.state,
                allowed_actions=workflow.allowed(kind, State(a.state), p.roles),
            )
        reason = body.reason if isinstance(body, ActionBody) else None
        if t.needs_reason and not (reason and reason.strip()):
            raise Unprocessable(
                errors=[
                    FieldError(
                        pointer="/reason",
                        code="reason_required",
                        message=msg("Cần nêu lý do.", "A reason is required."),
                    )
                ]
            )
        before = _doc(a)
        self._apply(p, a, action, body)
        TRANSITIONS.labels(kind.value, action).inc()
        a.state, a.version, a.updated_at = t.target, a.version + 1, _now()
        self._audit(p, a, action, before, reason)
        await self._emit(a, EVENT_OF[action], {"action": action, "by": p.sub, "reason": reason})
        await self.session.flush()
        return a

    def _apply(self, p: Principal, a: Assessment, action: str, body: ActionBody | RecogniseBody) -> None:
        now = _now()
        if action == "submit":
            a.submitted_at = now
        elif action == "approve":
            a.approved_at, a.approved_by, a.approved_by_name, a.open_items = now, p.sub, p.name, None
        elif action == "return" and isinstance(body, ActionBody):
            a.review_comment, a.item_comments = body.reason, dict(body.item_comments)
            # the head's return reopens everything; a reviewer's only the items it names
            a.open_items = None if State(a.state) == State.SUBMITTED else sorted(body.item_comments)
            a.approved_at = a.approved_by = None
        elif action == "accept" and isinstance(body, ActionBody):
            a.review_comment, a.item_comments = body.reason, dict(body.item_comments)
        elif action == "recognise" and isinstance(body, RecogniseBody):
            a.decision_number, a.decision_date, a.recognised_at, a.recognised_by = (
                body.decision_number,
                body.decision_date,
                now,
                p.sub,
            )

    async def _emit(self, a: Assessment, type_: EventType, extra: dict[str, Any]) -> None:
        payload: dict[str, Any] = dict(extra)
        if type_ in SNAPSHOT_EVENTS:
            school = await self.org.school(a.school_code)
            payload = snapshot(
                a, school.name if school else None, school.province_code if school else None
            ).model_dump(mode="json")
        await emit(self.session, [event(type_.value, a.school_code, a.school_year, a.id, a.version, payload)])

    async def request_external(self, p: Principal, code: str, year: str) -> Assessment:
        a = await self.get(p, code, year, S)
        if not self.permissions(p, a).may_request_external:
            raise Conflict(
                msg(
                    "Không thể đề nghị đánh giá ngoài lúc này.", "Cannot request an external assessment now."
                ),
                code="illegal_transition",
                state=a.state,
                allowed_actions=workflow.allowed(S, State(a.state), p.roles),
            )
        before = _doc(a)
        a.external_requested, a.version, a.updated_at = True, a.version + 1, _now()
        self._audit(p, a, "request_external", before)
        await self.session.flush()
        return a

    async def audit(self, p: Principal, code: str, year: str, kind: AssessmentKind) -> list[AuditEntry]:
        a = await self.get(p, code, year, kind)
        return await self.repo.audit(a.id)


def _now() -> datetime:
    from shared.db import utcnow

    return utcnow()
