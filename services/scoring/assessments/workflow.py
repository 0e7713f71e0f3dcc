"""The workflow as data, the one table of what may be done to an assessment: which action moves
which kind from which state to which, which roles may take it, and any further condition on the
row. `allowed_actions` and every `may_*` flag are read from this table, and the service enforces
the same entries; 409 answers list the actions allowed from the current state.

Two entries change no state: `edit` (PUT) and `request-external` (a flag on the row), and one is
a precondition the assessors meet on another resource: `start-external` (the first PUT on
`…/external`). They sit in the same table so no flag is computed anywhere else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from services.scoring.assessments.models import State
from shared.contracts import AssessmentKind
from shared.principal import Principal, Role

SCHOOL_WRITERS = frozenset({Role.SCHOOL_STAFF, Role.SCHOOL_HEAD, Role.VENDOR_CLIENT})
READERS = frozenset(Role) - {Role.SERVICE}


class Row(Protocol):
    external_requested: bool


def _always(_: Row) -> bool:
    return True


@dataclass(frozen=True)
class Transition:
    action: str
    kind: AssessmentKind
    source: frozenset[State]
    target: State | None  # None: the state stays (edit, request-external, start-external)
    roles: frozenset[Role]
    needs_reason: bool = False
    when: Callable[[Row], bool] = _always


S, E = AssessmentKind.SELF, AssessmentKind.EXTERNAL
ASSESSORS = frozenset({Role.ASSESSOR, Role.OFFICER})

TRANSITIONS: tuple[Transition, ...] = (
    Transition("edit", S, frozenset({State.DRAFT}), None, SCHOOL_WRITERS),
    Transition("submit", S, frozenset({State.DRAFT}), State.SUBMITTED, SCHOOL_WRITERS),
    # phê duyệt: the school head's alone, a person's act (a client never acts as head)
    Transition("approve", S, frozenset({State.SUBMITTED}), State.APPROVED, frozenset({Role.SCHOOL_HEAD})),
    Transition("return", S, frozenset({State.SUBMITTED}), State.DRAFT, frozenset({Role.SCHOOL_HEAD}), True),
    # review by the managing unit before the external assessment
    Transition("accept", S, frozenset({State.APPROVED}), State.ACCEPTED, frozenset({Role.OFFICER})),
    Transition("return", S, frozenset({State.APPROVED}), State.DRAFT, frozenset({Role.OFFICER}), True),
    Transition(
        "request-external",
        S,
        frozenset({State.APPROVED, State.ACCEPTED}),
        None,
        frozenset({Role.SCHOOL_HEAD}),
        when=lambda a: not a.external_requested,
    ),
    Transition(
        "start-external",
        S,
        frozenset({State.ACCEPTED}),
        None,
        ASSESSORS,
        when=lambda a: a.external_requested,
    ),
    Transition("edit", E, frozenset({State.IN_PROGRESS}), None, ASSESSORS),
    Transition("conclude", E, frozenset({State.IN_PROGRESS}), State.CONCLUDED, ASSESSORS),
    Transition("reopen", E, frozenset({State.CONCLUDED}), State.IN_PROGRESS, frozenset({Role.OFFICER}), True),
    Transition("recognise", E, frozenset({State.CONCLUDED}), State.RECOGNISED, frozenset({Role.OFFICER})),
)

EDITABLE = {
    k: frozenset(s for t in TRANSITIONS if t.kind == k and t.action == "edit" for s in t.source)
    for k in (S, E)
}
EDITORS = {
    k: frozenset(r for t in TRANSITIONS if t.kind == k and t.action == "edit" for r in t.roles)
    for k in (S, E)
}


# the `may_*` flags, one per action of the table (`request-external` → `may_request_external`)
FLAGS = tuple(dict.fromkeys(t.action for t in TRANSITIONS))


def _matches(
    t: Transition, kind: AssessmentKind, state: State, roles: frozenset[Role], a: Row | None
) -> bool:
    return t.kind == kind and state in t.source and bool(roles & t.roles) and (a is None or t.when(a))


def find(
    kind: AssessmentKind, action: str, state: State, p: Principal | frozenset[Role], a: Row | None = None
) -> Transition | None:
    roles = p.acting_roles if isinstance(p, Principal) else p
    return next((t for t in TRANSITIONS if t.action == action and _matches(t, kind, state, roles, a)), None)


def allowed(kind: AssessmentKind, state: State, p: Principal, a: Row | None = None) -> list[str]:
    return sorted({t.action for t in TRANSITIONS if _matches(t, kind, state, p.acting_roles, a)})


def roles_for(kind: AssessmentKind, action: str) -> list[str]:
    return sorted({r.value for t in TRANSITIONS if t.kind == kind and t.action == action for r in t.roles})
