"""`GET /internal/v1/subjects/{kind}/{sub}`: a user's or client's current grant, for the sync
service's webhook dispatcher (scope is re-checked at every send). Service principals only: the
caller must present a principal signed with the internal secret."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.auth.repository import AuthRepository
from services.gateway.permissions import InternalCaller
from shared.contracts import SubjectGrant
from shared.deps import SessionDep
from shared.errors import NotFound, problem_responses
from shared.principal import PrincipalKind

router = APIRouter(prefix="/internal/v1", tags=["internal"], include_in_schema=False)


@router.get("/subjects/{kind}/{sub}", response_model=SubjectGrant, responses=problem_responses(401, 403, 404))
async def subject_grant(
    kind: PrincipalKind, sub: str, _: InternalCaller, session: SessionDep
) -> SubjectGrant:
    """The subject's roles and org scope as they are now (not as its last token said)."""
    repo = AuthRepository(session)
    s = await repo.client(sub) if kind == PrincipalKind.CLIENT else await repo.user(sub)
    if s is None:
        raise NotFound()
    return SubjectGrant(
        sub=sub,
        kind=kind.value,
        roles=list(s.roles),
        org_units=list(s.org_units),
        schools=list(s.schools),
        all_orgs=s.all_orgs,
        active=not s.disabled,
    )
