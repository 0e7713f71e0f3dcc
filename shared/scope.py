"""Object-level scope for a school: the caller sees a school only where the scoring registry
places it inside the caller's grant. Out of scope and unknown are the same 404, so a school's
existence never leaks."""

from __future__ import annotations

from shared.contracts import SchoolScope
from shared.errors import SchoolNotFound
from shared.principal import Principal, may_access_school
from shared.scoring_client import ScoringClient


async def school_in_scope(scoring: ScoringClient, p: Principal, code: str) -> SchoolScope:
    """The school's scope if `p` may read it (its own staff, its vendor, the units above it)."""
    sc = await scoring.school_scope(code)
    if sc is None or not may_access_school(p, code, sc.ancestors):
        raise SchoolNotFound()
    return sc
