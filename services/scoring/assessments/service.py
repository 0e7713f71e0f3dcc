"""Assessments: moving them through the workflow (the document itself: `documents.py`). Other
modules import the service's names from here.

Every change of facts, points or state writes an audit entry (append-only) and, for state changes,
a change-feed event, in the same transaction as the change itself.
"""

from __future__ import annotations

from typing import Any

from services.scoring.assessments import rules, workflow
from services.scoring.assessments.documents import Checks as Checks
from services.scoring.assessments.documents import DocumentService, person_note, utc_now
from services.scoring.assessments.documents import check_year as check_year
from services.scoring.assessments.documents import stale as stale
from services.scoring.assessments.models import Assessment, State
from services.scoring.assessments.plan import check_submission, doc
from services.scoring.assessments.schemas import ActionBody, RecogniseBody
from services.scoring.assessments.scoring import snapshot
from services.scoring.feed.repository import emit, event
from services.scoring.metrics import TRANSITIONS
from shared.contracts import AssessmentKind, EventType
from shared.errors import Conflict, Forbidden, Unprocessable
from shared.i18n import msg
from shared.principal import Principal, Role

S, E = AssessmentKind.SELF, AssessmentKind.EXTERNAL
EVENT_OF = {
    "submit": EventType.ASSESSMENT_SUBMITTED,
    "approve": EventType.ASSESSMENT_APPROVED,
    "return": EventType.ASSESSMENT_RETURNED,
    "accept": EventType.ASSESSMENT_ACCEPTED,
    "conclude": EventType.ASSESSMENT_CONCLUDED,
    "reopen": EventType.ASSESSMENT_REOPENED,
    "recognise": EventType.ASSESSMENT_RECOGNISED,
}
SNAPSHOT_EVENTS = {EventType.ASSESSMENT_APPROVED, EventType.ASSESSMENT_RECOGNISED}


class AssessmentService(DocumentService):
    """The document service plus the workflow's actions (submit, approve, return, …)."""

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
        t = await self.check(p, a, action, body)
        return await self.perform(p, a, t, action, body)

    async def check(
        self, p: Principal, a: Assessment, action: str, body: ActionBody | RecogniseBody, at: str = ""
    ) -> workflow.Transition:
        """Everything that decides whether `action` may happen, before anything is written; `at`
        prefixes the pointers (a batch names its row)."""
        kind, state = a.kind, State(a.state)
        t = workflow.find(kind, action, state, p, a)
        if t is None and workflow.find(kind, action, state, frozenset(Role), a) is not None:
            need = workflow.roles_for(kind, action)
            raise Forbidden(
                msg(f"Vai trò này không được '{action}'.", f"This role may not '{action}'."),
                hint=f"'{action}' needs one of {need}; this token has "
                f"{sorted(r.value for r in p.roles)}{person_note(p)}",
            )
        if t is None:
            raise Conflict(
                msg(
                    f"Không thể '{action}' ở trạng thái {a.state}.",
                    f"Cannot '{action}' from state {a.state}.",
                ),
                code="illegal_transition",
                state=a.state,
                allowed_actions=workflow.allowed(kind, state, p, a),
            )
        reason = body.reason if isinstance(body, ActionBody) else None
        if t.needs_reason and not (reason and reason.strip()):
            raise Unprocessable.at(
                f"{at}/reason", "reason_required", "Cần nêu lý do.", "A reason is required."
            )
        if action == "return":
            self._return_scope(a, body)
        if action == "submit":
            school = await self.school_of(a)  # read with the assessment, under the caller's scope
            await self._in_time(school, a.school_year, kind, creating=False)
            check_submission(a.facts)
        if isinstance(body, RecogniseBody):
            concluded = await self.repo.last_action_at(a.id, "conclude")
            on = concluded.astimezone(rules.VN_TZ).date() if concluded else None
            errors = rules.recognition(body, on, rules.vn_today(), at)
            if errors:
                raise Unprocessable(errors=errors)
        return t

    async def perform(
        self,
        p: Principal,
        a: Assessment,
        t: workflow.Transition,
        action: str,
        body: ActionBody | RecogniseBody,
    ) -> Assessment:
        """Apply a checked action: the row (one conditional UPDATE), its audit entry, its event."""
        kind = a.kind
        reason = body.reason if isinstance(body, ActionBody) else None
        open_items = self._return_scope(a, body) if action == "return" else None
        before = doc(a)
        self._apply(p, a, action, body, open_items)
        TRANSITIONS.labels(kind.value, action).inc()
        a.state, a.version, a.updated_at = t.target or a.state, a.version + 1, utc_now()
        await self.save(a)
        self._audit(p, a, action, before, reason)
        extra: dict[str, Any] = {"action": action, "by": p.sub, "reason": reason}
        if action == "return" and isinstance(body, ActionBody):
            extra |= {"item_comments": dict(body.item_comments), "open_items": open_items}
        await self._emit(a, EVENT_OF[action], extra)
        await self.session.flush()
        return a

    def _return_scope(self, a: Assessment, body: ActionBody | RecogniseBody) -> list[str] | None:
        """What a return reopens: the head's reopens everything (its submission goes back whole);
        a reviewer's the items it names, which must exist in the pinned framework."""
        assert isinstance(body, ActionBody)
        fw = self.published(a).framework
        if State(a.state) == State.SUBMITTED:
            rules.reviewer_return(fw, body.model_copy(update={"reopen_all": True}))
            return None
        return rules.reviewer_return(fw, body)

    def _apply(
        self,
        p: Principal,
        a: Assessment,
        action: str,
        body: ActionBody | RecogniseBody,
        open_items: list[str] | None,
    ) -> None:
        now = utc_now()
        if action == "submit":
            a.submitted_at = now
        elif action == "approve":
            a.approved_at, a.approved_by, a.approved_by_name, a.open_items = now, p.sub, p.name, None
        elif action == "return" and isinstance(body, ActionBody):
            a.review_comment, a.item_comments = body.reason, dict(body.item_comments)
            a.open_items = open_items
            a.approved_at = a.approved_by = None
        elif action == "accept" and isinstance(body, ActionBody):
            a.review_comment, a.item_comments = body.reason, dict(body.item_comments)
        elif action == "recognise" and isinstance(body, RecogniseBody):
            a.decision_number, a.decision_date, a.recognised_at, a.recognised_by = (
                rules.decision_number(body.decision_number) or body.decision_number,
                body.decision_date,
                now,
                p.sub,
            )

    async def _emit(self, a: Assessment, type_: EventType, extra: dict[str, Any]) -> None:
        payload: dict[str, Any] = dict(extra)
        if type_ in SNAPSHOT_EVENTS:
            school = await self.school_of(a)
            payload = snapshot(a, school.name, school.province_code).model_dump(mode="json")
        await emit(self.session, [event(type_.value, a.school_code, a.school_year, a.id, a.version, payload)])

    async def request_external(self, p: Principal, code: str, year: str) -> Assessment:
        a = await self.get(p, code, year, S)
        if workflow.find(S, "request-external", State(a.state), p, a) is None:
            raise Conflict(
                msg(
                    "Không thể đề nghị đánh giá ngoài lúc này.", "Cannot request an external assessment now."
                ),
                code="illegal_transition",
                state=a.state,
                allowed_actions=workflow.allowed(S, State(a.state), p, a),
            )
        before = doc(a)
        a.external_requested, a.version, a.updated_at = True, a.version + 1, utc_now()
        await self.save(a)
        self._audit(p, a, "request_external", before)
        await self.session.flush()
        return a
