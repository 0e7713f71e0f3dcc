"""Who may call what in the sync service: one `Annotated` alias per capability, checked before
the handler runs. A school named in the path is checked against the caller's scope by
`SchoolInScope` (404 outside it, like an unknown school); objects found by id (a delivery, a
withdrawal) are scope-checked by the service that loads them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from services.sync.deps import ScoringDep
from services.sync.scope import READERS
from shared.contracts import SchoolScope
from shared.i18n import msg
from shared.permissions import capability, requires
from shared.principal import Principal, Role
from shared.scope import school_in_scope

SCHOOL_CODE_PATTERN = r"^[0-9A-Za-z]{4,32}$"
SchoolCodeP = Annotated[str, Path(pattern=SCHOOL_CODE_PATTERN, description="school code (mã trường)")]

READ = capability(
    "sync",
    "read",
    "read delivery status, the calendar, the at-risk list, timeliness and exports; manage one's "
    "own webhook subscriptions (each school in scope)",
    READERS,
)
RESEND = capability(
    "sync",
    "resend",
    "put a dead-lettered delivery or withdrawal back in the queue (its school in scope)",
    {Role.ADMIN, Role.OFFICER},
)
SET_CALENDAR = capability(
    "sync",
    "set-calendar",
    "set a province's deadlines (its scope must cover every school of the province)",
    {Role.OFFICER, Role.ADMIN},
    message=msg("Chỉ Sở GDĐT của tỉnh được đặt lịch.", "Only the province's department may set it."),
)
ADMINISTER = capability(
    "sync",
    "administer",
    "run reconciliation, announce the at-risk list, manage reminder contacts",
    {Role.ADMIN},
)
INTERNAL = capability("sync", "internal", "read the calendar for another service", {Role.SERVICE})

SyncReader = Annotated[Principal, Depends(requires(READ))]
Resender = Annotated[Principal, Depends(requires(RESEND))]
CalendarSetter = Annotated[Principal, Depends(requires(SET_CALENDAR))]
SyncAdmin = Annotated[Principal, Depends(requires(ADMINISTER))]
InternalCaller = Annotated[Principal, Depends(requires(INTERNAL))]


async def school_of_path(code: SchoolCodeP, p: SyncReader, scoring: ScoringDep) -> SchoolScope:
    """The school named in the path, if the caller may read it (404 otherwise)."""
    return await school_in_scope(scoring, p, code)


SchoolInScope = Annotated[SchoolScope, Depends(school_of_path)]
