"""Who may call the gateway's own API: one `Annotated` alias per capability, checked before the
handler runs. Everything behind the proxy is decided by the service that answers it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.gateway.deps import PrincipalDep
from services.gateway.errors import AdminOnly
from shared.errors import Problem
from shared.i18n import msg
from shared.permissions import capability, requires
from shared.principal import Principal, Role


def _admin_only(_: Principal) -> Problem:
    return AdminOnly()


ADMIN = capability(
    "gateway",
    "admin",
    "manage API clients, their credentials and local users; revoke tokens; read the jobs, "
    "/metrics and /readyz (unless public by setting)",
    {Role.ADMIN},
    refusal=_admin_only,
)
INTERNAL = capability(
    "gateway",
    "internal",
    "read a user's or client's current grant (sync's webhook dispatcher)",
    {Role.SERVICE},
    all_orgs=True,
    message=msg("Chỉ dành cho dịch vụ nội bộ.", "Internal services only."),
)

# the token's principal (gateway); internal callers present the signed header like everywhere
AdminDep = Annotated[Principal, Depends(requires(ADMIN, PrincipalDep))]
InternalCaller = Annotated[Principal, Depends(requires(INTERNAL))]
