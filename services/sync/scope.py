"""Object-level scope: a principal sees only schools in its scope, as the scoring registry says.
Out-of-scope schools answer 404, so their existence does not leak."""

from __future__ import annotations

from datetime import date

from services.sync.scoring_client import ScoringClient
from shared.contracts import SchoolScope
from shared.errors import Forbidden, SchoolNotFound
from shared.principal import Principal, Role, may_access_school

READERS = (
    Role.SCHOOL_STAFF,
    Role.SCHOOL_HEAD,
    Role.VENDOR_CLIENT,
    Role.OFFICER,
    Role.ASSESSOR,
    Role.MINISTRY_VIEWER,
    Role.ADMIN,
)


def require(p: Principal, *roles: Role) -> None:
    if not p.has(*roles):
        raise Forbidden()


async def school_in_scope(scoring: ScoringClient, p: Principal, code: str) -> SchoolScope:
    sc = await scoring.school_scope(code)
    if sc is None or not may_access_school(p, code, sc.ancestors):
        raise SchoolNotFound()
    return sc


async def schools_in_scope(
    scoring: ScoringClient, p: Principal, as_of: date, province: str | None = None
) -> list[SchoolScope]:
    """The schools open on `as_of` (in `province`) that the principal may see: the expected set of
    the at-risk list, timeliness and the export, and a subscription's default school list."""
    return [
        s for s in await scoring.schools_open(as_of, province) if may_access_school(p, s.code, s.ancestors)
    ]


async def covers_province(scoring: ScoringClient, p: Principal, province: str, as_of: date) -> bool:
    """An officer may set a province's calendar when its scope covers every school of it."""
    if p.all_orgs and p.has(Role.ADMIN):
        return True
    if not p.has(Role.OFFICER, Role.ADMIN):
        return False
    schools = await scoring.schools_open(as_of, province)
    return bool(schools) and all(any(a in p.org_units for a in s.ancestors) or p.all_orgs for s in schools)
