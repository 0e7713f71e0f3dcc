"""Who may write a school's evidence. Reading follows every service's rule
(`shared.scope.school_in_scope`): the school's own staff, its vendor and the units above it, with
the school's place asked of the scoring registry (cached briefly, `scope_cache_seconds`).
Anything the caller may not see is a 404, so the existence of a school or file is never leaked.
"""

from __future__ import annotations

from shared.contracts import SchoolScope
from shared.errors import Forbidden
from shared.i18n import msg
from shared.principal import Principal, Role
from shared.scope import school_in_scope
from shared.scoring_client import ScoringClient

WRITERS = (Role.SCHOOL_STAFF, Role.SCHOOL_HEAD, Role.VENDOR_CLIENT)


async def writable(scoring: ScoringClient, p: Principal, code: str) -> SchoolScope:
    """Only the school's own scope (staff, head, its vendor) and admins add or delete evidence;
    a managing unit sees the school's evidence but is refused (403) when it tries to change it."""
    s = await school_in_scope(scoring, p, code)
    if p.has(Role.ADMIN) or (code in p.schools and p.has(*WRITERS)):
        return s
    raise Forbidden(
        msg("Chỉ nhà trường được thêm hoặc xoá minh chứng.", "Only the school adds or deletes evidence.")
    )
