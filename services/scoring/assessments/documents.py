"""Assessments: reading and writing the document (PUT), the checks every write passes, the audit.

Every change of facts, points or state writes an audit entry (append-only) and, for state changes,
a change-feed event, in the same transaction as the change itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.scoring.assessments import evidence_refs, workflow
from services.scoring.assessments.calendar import Calendar, check_window, guard
from services.scoring.assessments.evidence_refs import EvidenceRefs
from services.scoring.assessments.models import Assessment, AuditEntry, State
from services.scoring.assessments.plan import doc, plan_write
from services.scoring.assessments.repository import AssessmentRepository
from services.scoring.assessments.schemas import PUBLIC_FIELDS, AssessmentWrite, Permissions
from services.scoring.assessments.scoring import Scored, breakdown
from services.scoring.errors import AssessmentNotFound
from services.scoring.frameworks.registry import FrameworkRegistry, Published
from services.scoring.org.models import School
from services.scoring.org.repository import OrgRepository
from shared.contracts import AssessmentKind, is_school_year
from shared.db import utcnow
from shared.errors import (
    Conflict,
    FieldError,
    Forbidden,
    PreconditionFailed,
    PreconditionRequired,
    Problem,
    SchoolNotFound,
    Unprocessable,
)
from shared.i18n import msg
from shared.principal import Principal
from shared.requestid import current_request_id

S, E = AssessmentKind.SELF, AssessmentKind.EXTERNAL


def check_year(year: str) -> None:
    if not is_school_year(year):
        raise Unprocessable.at(
            "/path/year",
            "school_year_format",
            "Năm học phải có dạng 2024-2025.",
            "A school year is written like 2024-2025.",
        )


@dataclass(frozen=True)
class Checks:
    """What a write is checked against outside this service's tables: the calendar (edit lock),
    the open school years and the evidence service (references)."""

    calendar: Calendar
    school_years: list[str]
    evidence: EvidenceRefs


class DocumentService:
    def __init__(
        self, session: AsyncSession, registry: FrameworkRegistry, locks: Checks | None = None
    ) -> None:
        self.session = session
        self.registry = registry
        self.locks = locks  # None: a read-only use (writes need it, see `_in_time`)
        self.repo = AssessmentRepository(session)
        self.org = OrgRepository(session)
        # the schools this request has read, so the check, the event and the answer share one read
        self._schools: dict[str, School] = {}

    # -- reading -------------------------------------------------------------------------------

    async def _school(self, p: Principal, code: str) -> School:
        s = await self.org.school(code, p)
        if s is None:  # unknown or someone else's: the same answer, so existence is not revealed
            raise SchoolNotFound()
        self._schools[code] = s
        return s

    async def school_of(self, a: Assessment) -> School:
        """The assessment's school, read once per request (the caller's scope was checked when
        the assessment was read)."""
        s = self._schools.get(a.school_code)
        if s is None:
            s = await self.org.school(a.school_code)
            assert s is not None, "an assessment's school is never deleted"
            self._schools[a.school_code] = s
        return s

    async def get(self, p: Principal, code: str, year: str, kind: AssessmentKind) -> Assessment:
        """The assessment, its school read in the same query (kept for the checks, the event and
        the answer); an unknown school and someone else's answer alike."""
        check_year(year)
        school, a = await self.repo.with_school(p, code, year, kind)
        if school is None:
            raise SchoolNotFound()
        self._schools[code] = school
        if a is None:
            raise AssessmentNotFound()
        return a

    def published(self, a: Assessment) -> Published:
        pub = self.registry.get(a.framework)
        assert pub is not None, f"pinned framework {a.framework} is no longer loaded"
        return pub

    async def render(self, p: Principal, a: Assessment, scored: Scored | None = None) -> dict[str, Any]:
        """The wire form of `a`; `scored` is the write's own score of the stored document, so a
        PUT scores once (without it the stored document is scored here: reads and actions)."""
        school = await self.school_of(a)
        kind = a.kind
        return {
            **{k: getattr(a, k) for k in PUBLIC_FIELDS},
            "official": kind is E and a.state == State.RECOGNISED,
            "score": breakdown(self.published(a), list(school.levels), a, scored),
            "permissions": self.permissions(p, a),
        }

    def permissions(self, p: Principal, a: Assessment) -> Permissions:
        """Every flag read from the one table: `may_x` is exactly "x" in `allowed_actions`."""
        acts = workflow.allowed(a.kind, State(a.state), p, a)
        return Permissions(
            **{f"may_{name.replace('-', '_')}": name in acts for name in workflow.FLAGS},
            allowed_actions=acts,
        )

    # -- writing the document ------------------------------------------------------------------

    async def _in_time(self, school: School, year: str, kind: AssessmentKind, creating: bool) -> None:
        """The school-year window (new assessments) and the edit lock (every write, submission)."""
        assert self.locks is not None, "a write path must pass the calendar"
        if creating:
            check_window(year, self.locks.school_years)
        await guard(self.session, self.locks.calendar, school.code, school.province_code, year, kind)

    async def _check_evidence(self, school: School, year: str, ids: list[str]) -> None:
        assert self.locks is not None
        states = await self.locks.evidence.states([(school.code, year, i) for i in ids])
        bad = evidence_refs.errors(ids, states) if states is not None else []
        if bad:
            raise Unprocessable(errors=bad)

    def record(self, p: Principal, a: Assessment, action: str, reason: str | None = None) -> None:
        """An audit entry for an act that changes no document field (an extension, say)."""
        self._audit(p, a, action, doc(a), reason)

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
                after=doc(a),
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
    ) -> tuple[Assessment, bool, Scored]:
        """Create or replace the document (PUT). Returns the assessment, whether it was created
        and the score of the document now stored (for the answer: a PUT scores once)."""
        check_year(year)
        school = await self._school(p, code)
        if not p.acting_roles & workflow.EDITORS[kind]:
            raise Forbidden(
                msg("Vai trò này không được sửa bản đánh giá.", "This role may not edit the assessment."),
                hint=f"editing needs one of {workflow.roles_for(kind, 'edit')}{person_note(p)}",
            )
        a = await self.repo.get(p, code, year, kind, lock=True)
        created = a is None
        await self._in_time(school, year, kind, created)
        if a is None:
            a = await self._new(p, school, year, kind)
        if workflow.find(kind, "edit", State(a.state), p, a) is None:
            raise Conflict(
                msg(
                    f"Bản đánh giá ở trạng thái {a.state}: chỉ đọc.",
                    f"The assessment is {a.state}: read-only.",
                ),
                code="not_editable",
                state=a.state,
                allowed_actions=workflow.allowed(kind, State(a.state), p, a),
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
        await self._check_evidence(school, year, body.evidence_ids)
        plan = plan_write(p, pub, list(school.levels), a, created, body)
        if not plan.changed:
            return a, False, plan.scored
        await self.save(a, if_match)  # one conditional UPDATE (the version read)
        await self.repo.replace_criteria(a.id, plan.criteria)
        await self.session.execute(insert(AuditEntry), plan.audits)
        return a, created, plan.scored

    async def _new(self, p: Principal, school: School, year: str, kind: AssessmentKind) -> Assessment:
        if kind is E:
            self_a = await self.repo.get(p, school.code, year, S)
            if self_a is None or not workflow.find(S, "start-external", State(self_a.state), p, self_a):
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
            raise Unprocessable.at(
                "/path/year",
                "no_framework",
                "Chưa có bộ chỉ số cho năm học này.",
                "No framework for this school year.",
            )
        state = State.DRAFT if kind is S else State.IN_PROGRESS
        a = Assessment(
            id=str(uuid.uuid4()),
            school_code=school.code,
            school_year=year,
            kind=kind,
            framework=pub.framework.ref,
            state=state,
        )
        self.session.add(a)
        try:
            await self.session.flush()
        except IntegrityError:  # another request created it first (the unique school/year/kind)
            raise stale(None) from None
        return a

    async def save(self, a: Assessment, if_match: str | None = None) -> None:
        """Write the row as `UPDATE ... WHERE id = ? AND version = <read>` (the model's version
        column): zero rows means another request changed it since it was read, and this one loses
        whole (the request's transaction rolls back)."""
        try:
            await self.session.flush()
        except StaleDataError:
            raise stale(if_match) from None

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
        """After a reviewer's return only the items concerned reopen (and their facts). An empty
        list (rows from before returns had to name items) locks nothing: never a lock-out."""
        if not a.open_items:
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

    async def audit(self, p: Principal, code: str, year: str, kind: AssessmentKind) -> list[AuditEntry]:
        a = await self.get(p, code, year, kind)
        return await self.repo.audit(a.id)


def person_note(p: Principal) -> str:
    if p.roles == p.acting_roles:
        return ""
    return (
        " (an API client never acts with a person's role: "
        + ", ".join(sorted(r.value for r in p.roles - p.acting_roles))
        + ")"
    )


def stale(if_match: str | None) -> Problem:
    """Another request changed the assessment between this one's read and its write."""
    text = msg(
        "Bản đánh giá vừa được thay đổi bởi một yêu cầu khác; hãy tải lại rồi thử lại.",
        "The assessment was just changed by another request; reload it and try again.",
    )
    if if_match is not None and if_match.strip() != "*":
        return PreconditionFailed(text)
    return Conflict(text, code="concurrent_change")


def utc_now() -> datetime:
    return utcnow()
