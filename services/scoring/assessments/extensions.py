"""`…/{kind}/extensions` (grant, list) and `…/extensions/{id}/revoke`: reopening a school past
the edit lock (gia hạn / mở lại), the province's Sở only; the rules are in `extension_grants`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.scoring.assessments import extension_grants
from services.scoring.assessments.extension_grants import ExtensionIn, ExtensionOut, RevokeIn
from services.scoring.deps import PrincipalDep, RegistryDep, SessionDep
from shared.contracts import AssessmentKind
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, Page, paginate_ids

router = APIRouter(prefix="/api/v1/schools/{code}/assessments/{year}", tags=["assessments"])


@router.post(
    "/{kind}/extensions",
    status_code=201,
    response_model=ExtensionOut,
    responses=problem_responses(403, 404, 422),
)
async def grant_extension(
    code: str,
    year: str,
    kind: Annotated[AssessmentKind, Path()],
    body: ExtensionIn,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
) -> ExtensionOut:
    """Reopen the school past the edit lock until `until` (the province's Sở officer only)."""
    ext = await extension_grants.grant(session, registry, p, code, year, kind, body)
    return ExtensionOut.model_validate(ext, from_attributes=True)


@router.get("/{kind}/extensions", response_model=Page[ExtensionOut], responses=problem_responses(404, 422))
async def list_extensions(
    code: str,
    year: str,
    kind: Annotated[AssessmentKind, Path()],
    p: PrincipalDep,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[ExtensionOut]:
    """Every extension granted to the school for this school year and kind, oldest first."""
    granted = await extension_grants.granted(session, p, code, year, kind)
    rows, nxt, total = paginate_ids(granted, cursor, limit, lambda e: int(e.id or 0))
    return Page(
        items=[ExtensionOut.model_validate(e, from_attributes=True) for e in rows],
        next_cursor=nxt,
        total=total,
    )


@router.post(
    "/{kind}/extensions/{extension_id}/revoke",
    response_model=ExtensionOut,
    responses=problem_responses(403, 404, 409, 422),
)
async def revoke_extension(
    code: str,
    year: str,
    kind: Annotated[AssessmentKind, Path()],
    extension_id: int,
    body: RevokeIn,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
) -> ExtensionOut:
    """End a running extension now, with a reason (the province's Sở officer only): the school is
    locked again at once; the grant stays listed with who revoked it, when and why."""
    ext = await extension_grants.revoke(session, registry, p, code, year, kind, extension_id, body)
    return ExtensionOut.model_validate(ext, from_attributes=True)
