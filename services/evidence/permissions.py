"""Who may read and change evidence: one `Annotated` alias per capability, checked before the
handler runs (and, for an upload, before a byte of the body is read).

Reading follows the school's place in the org (`shared.scope.school_in_scope`): its own staff, its vendor and
every unit above it; anything else is a 404, so neither the school nor the file is revealed.
Changing is the school's own (staff, head, its vendor) and admins': a managing unit that sees the
evidence is refused with a 403. Evidence named by id is looked up once, then its school checked,
in `evidence_of_path`, the one place that pairs them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.evidence.deps import PrincipalDep, ScopesDep, ServiceDep
from services.evidence.errors import EvidenceNotFound
from services.evidence.records.models import Evidence
from services.evidence.records.service import EvidenceService
from shared.contracts import SchoolScope
from shared.errors import SchoolNotFound
from shared.i18n import msg
from shared.permissions import capability, checks, requires
from shared.principal import Principal, Role
from shared.scope import school_in_scope
from shared.scoring_client import ScoringClient

WRITERS = (Role.SCHOOL_STAFF, Role.SCHOOL_HEAD, Role.VENDOR_CLIENT)

WRITE = capability(
    "evidence",
    "write",
    "add, replace or delete a school's evidence: the school's own staff, head or vendor (the school "
    "in its explicit list), and admins for any school in scope",
    {Role.ADMIN, *WRITERS},
    message=msg("Chỉ nhà trường được thêm hoặc xoá minh chứng.", "Only the school adds or deletes evidence."),
)
INTERNAL = capability("evidence", "internal", "check evidence references for another service", {Role.SERVICE})

InternalCaller = Annotated[Principal, Depends(requires(INTERNAL))]


async def writable(scopes: ScoringClient, p: Principal, code: str) -> SchoolScope:
    """The school if the caller may change its evidence: in scope (404 otherwise, first, so an
    outsider learns nothing), then an admin or the school's own (403 otherwise)."""
    s = await school_in_scope(scopes, p, code)
    if p.has(Role.ADMIN) or (code in p.schools and p.has(*WRITERS)):
        return s
    raise WRITE.refusal(p)


async def readable_school(code: str, p: PrincipalDep, scopes: ScopesDep) -> SchoolScope:
    return await school_in_scope(scopes, p, code)


@checks(WRITE)
async def writable_school(code: str, p: PrincipalDep, scopes: ScopesDep) -> SchoolScope:
    return await writable(scopes, p, code)


async def _evidence(
    evidence_id: str, p: Principal, scopes: ScoringClient, svc: EvidenceService, write: bool
) -> Evidence:
    ev = await svc.get(evidence_id)  # 404 for an unknown or deleted id
    try:
        await (writable if write else school_in_scope)(scopes, p, ev.school_code)
    except SchoolNotFound:
        # the same answer as an unknown id: naming the school would tell an outsider the file exists
        raise EvidenceNotFound() from None
    return ev


async def readable_evidence(
    evidence_id: str, p: PrincipalDep, scopes: ScopesDep, svc: ServiceDep
) -> Evidence:
    """The evidence named in the path, if the caller may read its school's evidence."""
    return await _evidence(evidence_id, p, scopes, svc, write=False)


@checks(WRITE)
async def writable_evidence(
    evidence_id: str, p: PrincipalDep, scopes: ScopesDep, svc: ServiceDep
) -> Evidence:
    """The evidence named in the path, if the caller may change its school's evidence."""
    return await _evidence(evidence_id, p, scopes, svc, write=True)


ReadableSchool = Annotated[SchoolScope, Depends(readable_school)]
WritableSchool = Annotated[SchoolScope, Depends(writable_school)]
ReadableEvidence = Annotated[Evidence, Depends(readable_evidence)]
WritableEvidence = Annotated[Evidence, Depends(writable_evidence)]
