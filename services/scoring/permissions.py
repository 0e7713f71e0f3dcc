"""Who may call what in the scoring service where the role alone decides: one `Annotated` alias
per capability, checked before the handler runs.

Everything about a school or an assessment is decided elsewhere, after the object's scope: the
repositories answer only what the caller may see (404 otherwise), and the workflow's one table
(`assessments.workflow`) says which role may take which action in which state, for both the
answer's `allowed_actions` and the check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.scoring.assessments.workflow import SCHOOL_WRITERS
from shared.errors import Forbidden, Problem
from shared.i18n import msg
from shared.permissions import capability, requires
from shared.principal import Principal, Role


def _not_admin(p: Principal) -> Problem:
    return Forbidden(
        msg("Chỉ quản trị viên được thay đổi danh mục đơn vị.", "Only an admin may change the org registry."),
        hint=f"this token has roles {sorted(r.value for r in p.roles)}",
    )


def _may_not_plan(_: Principal) -> Problem:
    return Forbidden(
        msg(
            "Vai trò này không được lập kế hoạch cải thiện.", "This role may not write the improvement plan."
        ),
        hint=f"needs one of {sorted(r.value for r in PLANNERS)}",
    )


def _not_the_school(p: Principal) -> Problem:
    return Forbidden(
        msg("Chỉ nhà trường được khai báo hồ sơ này.", "Only the school may record this."),
        hint=f"this token has roles {sorted(r.value for r in p.roles)}",
    )


PLANNERS = frozenset({Role.SCHOOL_STAFF, Role.SCHOOL_HEAD, Role.ADMIN})

INTERNAL = capability(
    "scoring",
    "internal",
    "read the change feed and schools' places in the org (other services, and admin tools)",
    {Role.SERVICE, Role.ADMIN},
    all_orgs=True,
    message=msg("Chỉ dành cho dịch vụ nội bộ.", "Internal services only."),
)
ORG_ADMIN = capability(
    "scoring",
    "org-admin",
    "create and change org units and schools, move, close, merge, import the registry",
    {Role.ADMIN},
    refusal=_not_admin,
)

EXTEND = capability(
    "scoring",
    "extend",
    "reopen a school past the edit lock (gia hạn): a person who is an officer of the Sở above the school",
    {Role.OFFICER},
    acting=True,
    after_scope=True,
    refusal=lambda _p: Forbidden(
        msg("Chỉ cán bộ Sở GDĐT của tỉnh được mở lại.", "Only an officer of the province's Sở may reopen."),
        hint="needs a person with the officer role at the Sở (department) above the school",
    ),
)
BULK_WRITE = capability(
    "scoring",
    "bulk-write",
    "write (and submit) many schools' self-assessment drafts at once, each school in scope",
    SCHOOL_WRITERS,
    acting=True,
    message=msg("Vai trò này không được gửi bản đánh giá.", "This role may not write assessments."),
)
PLAN = capability(
    "scoring",
    "plan",
    "write the improvement plan of a school's assessment",
    PLANNERS,
    after_scope=True,
    refusal=_may_not_plan,
)
SCHOOL_RECORDS = capability(
    "scoring",
    "school-records",
    "record the school's self-assessment council and where it published its result",
    {Role.SCHOOL_HEAD, Role.SCHOOL_STAFF, Role.ADMIN},
    after_scope=True,
    refusal=_not_the_school,
)
TEAMS = capability(
    "scoring",
    "teams",
    "set up a unit's external-assessment teams and schedule",
    {Role.OFFICER, Role.ADMIN},
    after_scope=True,
    message=msg("Chỉ cán bộ Phòng/Sở được lập đoàn đánh giá.", "Only an officer may set up teams."),
)
UNIT_PUBLICATION = capability(
    "scoring",
    "unit-publication",
    "record where a unit published its results",
    {Role.OFFICER, Role.ADMIN},
    after_scope=True,
    message=msg("Chỉ cán bộ đơn vị được khai báo.", "Only the unit's officers may record this."),
)

InternalCaller = Annotated[Principal, Depends(requires(INTERNAL))]
OrgAdmin = Annotated[Principal, Depends(requires(ORG_ADMIN))]
BulkWriter = Annotated[Principal, Depends(requires(BULK_WRITE))]
