"""Who may see a school's evidence (who may change it: `permissions`), decided with the scoring
service's org registry.

The school's place in the hierarchy is asked of the scoring service (signed as this service) and
cached briefly: a school moving to another managing unit is seen within the cache's lifetime.
Anything the caller may not see is a 404, so the existence of a school or file is never leaked.
"""

from __future__ import annotations

import re
import time

import httpx

from services.evidence.errors import UpstreamUnavailable
from shared.contracts import SchoolScope
from shared.errors import NotFound, SchoolNotFound
from shared.principal import HEADER, Principal, PrincipalKind, Role, may_access_school, sign_principal

SCHOOL_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SERVICE_PRINCIPAL = Principal(
    sub="evidence", kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE}), all_orgs=True
)


def service_headers(secret: str) -> dict[str, str]:
    return {HEADER: sign_principal(SERVICE_PRINCIPAL, secret, ttl=60)}


class ScopeClient:
    def __init__(self, client: httpx.AsyncClient, secret: str, ttl: float = 30.0) -> None:
        self.client = client
        self.secret = secret
        self.ttl = ttl
        self._cache: dict[str, tuple[float, SchoolScope | None]] = {}

    async def scope(self, code: str) -> SchoolScope | None:
        if not SCHOOL_CODE.match(code):
            return None  # never let a path parameter shape the internal URL
        hit = self._cache.get(code)
        now = time.monotonic()
        if hit and hit[0] > now:
            return hit[1]
        try:
            r = await self.client.get(
                f"/internal/v1/schools/{code}/scope", headers=service_headers(self.secret)
            )
        except httpx.HTTPError as e:
            raise UpstreamUnavailable() from e
        if r.status_code == 404:
            found = None
        elif r.status_code == 200:
            found = SchoolScope.model_validate_json(r.content)
        else:
            raise UpstreamUnavailable()
        self._cache[code] = (now + self.ttl, found)
        return found


def _not_found() -> NotFound:
    return SchoolNotFound()  # the code every service answers for a school out of reach


async def readable(scopes: ScopeClient, p: Principal, code: str) -> SchoolScope:
    """The school if the caller may read its evidence (its own staff, vendor, units above it)."""
    s = await scopes.scope(code)
    if s is None or not may_access_school(p, code, s.ancestors):
        raise _not_found()
    return s
