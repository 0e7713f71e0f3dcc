"""Who may call what in the scoring service where the role alone decides: one `Annotated` alias
per capability, checked before the handler runs.

Everything about a school or an assessment is decided elsewhere, after the object's scope: the
repositories answer only what the caller may see (404 otherwise), and the workflow's one table
(`assessments.workflow`) says which role may take which action in which state, for both the
answer's `allowed_actions` and the check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.errors import Forbidden, Problem
from shared.i18n import msg
from shared.permissions import capability, requires
from shared.principal import Principal, Role


def _not_admin(p: Principal) -> Problem:
    return Forbidden(
        msg("Chỉ quản trị viên được thay đổi danh mục đơn vị.", "Only an admin may change the org registry."),
        hint=f"this token has roles {sorted(r.value for r in p.roles)}",
    )


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

InternalCaller = Annotated[Principal, Depends(requires(INTERNAL))]
OrgAdmin = Annotated[Principal, Depends(requires(ORG_ADMIN))]
