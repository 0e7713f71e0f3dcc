"""The workflow as data: which action moves which kind of assessment from which state to which,
and which roles may take it. 409 answers list the actions allowed from the current state."""

from __future__ import annotations

from dataclasses import dataclass

from services.scoring.assessments.models import State
from shared.contracts import AssessmentKind
from shared.principal import Role

SCHOOL_WRITERS = frozenset({Role.SCHOOL_STAFF, Role.SCHOOL_HEAD, Role.VENDOR_CLIENT})
READERS = frozenset(Role) - {Role.SERVICE}


@dataclass(frozen=True)
class Transition:
    action: str
    kind: AssessmentKind
    source: frozenset[State]
    target: State
    roles: frozenset[Role]
    needs_reason: bool = False


S, E = AssessmentKind.SELF, AssessmentKind.EXTERNAL

TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", S, frozenset({State.DRAFT}), State.SUBMITTED, SCHOOL_WRITERS),
    # phê duyệt: the school head's alone; a vendor client never approves
    Transition("approve", S, frozenset({State.SUBMITTED}), State.APPROVED, frozenset({Role.SCHOOL_HEAD})),
    Transition("return", S, frozenset({State.SUBMITTED}), State.DRAFT, frozenset({Role.SCHOOL_HEAD}), True),
    # review by the managing unit before the external assessment
    Transition("accept", S, frozenset({State.APPROVED}), State.ACCEPTED, frozenset({Role.OFFICER})),
    Transition("return", S, frozenset({State.APPROVED}), State.DRAFT, frozenset({Role.OFFICER}), True),
    Transition(
        "conclude",
        E,
        frozenset({State.IN_PROGRESS}),
        State.CONCLUDED,
        frozenset({Role.ASSESSOR, Role.OFFICER}),
    ),
    Transition("reopen", E, frozenset({State.CONCLUDED}), State.IN_PROGRESS, frozenset({Role.OFFICER}), True),
    Transition("recognise", E, frozenset({State.CONCLUDED}), State.RECOGNISED, frozenset({Role.OFFICER})),
)

EDITABLE = {S: frozenset({State.DRAFT}), E: frozenset({State.IN_PROGRESS})}
EDITORS = {S: SCHOOL_WRITERS, E: frozenset({Role.ASSESSOR, Role.OFFICER})}


def find(kind: AssessmentKind, action: str, state: State, roles: frozenset[Role]) -> Transition | None:
    for t in TRANSITIONS:
        if t.kind == kind and t.action == action and state in t.source and roles & t.roles:
            return t
    return None


def allowed(kind: AssessmentKind, state: State, roles: frozenset[Role]) -> list[str]:
    return sorted({t.action for t in TRANSITIONS if t.kind == kind and state in t.source and roles & t.roles})


def exists(kind: AssessmentKind, action: str) -> bool:
    return any(t.kind == kind and t.action == action for t in TRANSITIONS)
