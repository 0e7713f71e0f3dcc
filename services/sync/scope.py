"""Object-level scope over many schools: a principal sees only schools in its scope, as the scoring
registry says (one school: `shared.scope.school_in_scope`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from services.sync.deadlines.calendar import VN_TZ
from shared.contracts import SchoolScope
from shared.principal import Principal, Role, may_access_school
from shared.scoring_client import ScoringClient

READERS = (
    Role.SCHOOL_STAFF,
    Role.SCHOOL_HEAD,
    Role.VENDOR_CLIENT,
    Role.OFFICER,
    Role.ASSESSOR,
    Role.MINISTRY_VIEWER,
    Role.ADMIN,
)


async def schools_in_scope(
    scoring: ScoringClient, p: Principal, as_of: date, province: str | None = None
) -> list[SchoolScope]:
    """The schools open on `as_of` (in `province`) that the principal may see on that day's
    placement: a subscription's default school list (taken today)."""
    return [
        s for s in await scoring.schools_open(as_of, province) if may_access_school(p, s.code, s.ancestors)
    ]


def today() -> date:
    return datetime.now(VN_TZ).date()


async def visible_now(
    scoring: ScoringClient, p: Principal, codes: Iterable[str], province: str | None = None
) -> dict[str, SchoolScope]:
    """Of `codes`, the schools the principal may read now, by where each school is placed today
    (a school closed or merged since: where it was last placed). Reading a school's data follows
    the caller's scope now, whatever date the figures are about: after a school moves, its old
    office no longer reads it and its new one does."""
    current = {s.code: s for s in await scoring.schools_open(today(), province)}
    out: dict[str, SchoolScope] = {}
    for code in dict.fromkeys(codes):
        sc = current.get(code)
        if sc is None:  # not open today: one look-up each, only for schools closed since
            sc = await scoring.school_scope(code, last_known=True)
            if sc is not None and province is not None and sc.province_code != province:
                sc = None
        if sc is not None and may_access_school(p, code, sc.ancestors):
            out[code] = sc
    return out


async def covers_province(scoring: ScoringClient, p: Principal, province: str, as_of: date) -> bool:
    """An officer may set a province's calendar when its scope covers every school of it."""
    if p.all_orgs and p.has(Role.ADMIN):
        return True
    if not p.has(Role.OFFICER, Role.ADMIN):
        return False
    schools = await scoring.schools_open(as_of, province)
    return bool(schools) and all(any(a in p.org_units for a in s.ancestors) or p.all_orgs for s in schools)
