from __future__ import annotations

from fastapi import APIRouter, Request

from services.scoring.deps import PrincipalDep, SessionDep
from services.scoring.errors import UnitNotFound
from services.scoring.org.csv_import import import_csv
from services.scoring.org.schemas import (
    Close,
    ImportSummary,
    Merge,
    Move,
    SchoolCreate,
    SchoolPublic,
    SchoolUpdate,
    UnitCreate,
    UnitPublic,
    UnitUpdate,
)
from services.scoring.org.service import OrgService, school_public, unit_public
from services.scoring.permissions import OrgAdmin
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, Page, decode_one, trim

router = APIRouter(prefix="/api/v1/org", tags=["org registry"])


@router.post("/units", status_code=201, response_model=UnitPublic, responses=problem_responses(403, 409, 422))
async def create_unit(body: UnitCreate, p: OrgAdmin, session: SessionDep) -> UnitPublic:
    """Create an org unit (ministry, Sở, Phòng or commune office) under its parent."""
    return await OrgService(session).create_unit(p, body)


@router.get("/units", response_model=Page[UnitPublic])
async def list_units(
    p: PrincipalDep,
    session: SessionDep,
    parent: str | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[UnitPublic]:
    """List the org units the caller may see, optionally the children of one, by id."""
    rows = await OrgService(session).repo.units(p, parent, decode_one(cursor), limit + 1)
    page, nxt = trim(rows, limit, lambda u: (u.id,))
    return Page(items=[unit_public(u) for u in page], next_cursor=nxt)


@router.get("/units/{unit_id}", response_model=UnitPublic, responses=problem_responses(404))
async def get_unit(unit_id: str, p: PrincipalDep, session: SessionDep) -> UnitPublic:
    """One org unit."""
    repo = OrgService(session).repo
    u = await repo.unit(unit_id, p)
    if u is None:
        raise UnitNotFound()
    out = unit_public(u)
    # a Phòng's officers do not see the Sở, but its reports are addressed to it by name
    parent = await repo.unit(u.parent_id) if u.parent_id else None
    out.parent_name = parent.name if parent else None
    return out


@router.patch("/units/{unit_id}", response_model=UnitPublic, responses=problem_responses(403, 404, 422))
async def update_unit(unit_id: str, body: UnitUpdate, p: OrgAdmin, session: SessionDep) -> UnitPublic:
    """Rename a unit or move it under another parent (recorded as a lifecycle event)."""
    return await OrgService(session).update_unit(p, unit_id, body)


@router.post(
    "/schools", status_code=201, response_model=SchoolPublic, responses=problem_responses(403, 409, 422)
)
async def create_school(body: SchoolCreate, p: OrgAdmin, session: SessionDep) -> SchoolPublic:
    """Register a school with its MOET code, levels, managing and assessing units."""
    return await OrgService(session).create_school(p, body)


@router.get("/schools", response_model=Page[SchoolPublic])
async def list_schools(
    p: PrincipalDep,
    session: SessionDep,
    unit: str | None = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[SchoolPublic]:
    """List the schools the caller may see (optionally under one unit), by code."""
    rows = await OrgService(session).repo.schools(p, unit, decode_one(cursor), limit + 1)
    page, nxt = trim(rows, limit, lambda r: (r[0].code,))
    return Page(items=[school_public(s, pl) for s, pl in page], next_cursor=nxt)


@router.get("/schools/{code}", response_model=SchoolPublic, responses=problem_responses(404))
async def get_school(code: str, p: PrincipalDep, session: SessionDep) -> SchoolPublic:
    """One school, with its current managing and assessing units."""
    return await OrgService(session).get_school(p, code)


@router.patch("/schools/{code}", response_model=SchoolPublic, responses=problem_responses(403, 404, 422))
async def update_school(code: str, body: SchoolUpdate, p: OrgAdmin, session: SessionDep) -> SchoolPublic:
    """Change a school's name or levels."""
    return await OrgService(session).update_school(p, code, body)


@router.post("/schools/{code}/move", response_model=SchoolPublic, responses=problem_responses(403, 404, 422))
async def move_school(code: str, body: Move, p: OrgAdmin, session: SessionDep) -> SchoolPublic:
    """Move a school to another managing (and assessing) unit from a date; history is kept."""
    return await OrgService(session).move_school(p, code, body)


@router.post("/schools/{code}/close", response_model=SchoolPublic, responses=problem_responses(403, 404, 409))
async def close_school(code: str, body: Close, p: OrgAdmin, session: SessionDep) -> SchoolPublic:
    """Close a school from a date (it is no longer expected to report after it)."""
    return await OrgService(session).close_school(p, code, body)


@router.post(
    "/schools/{code}/merge", response_model=SchoolPublic, responses=problem_responses(403, 404, 409, 422)
)
async def merge_school(code: str, body: Merge, p: OrgAdmin, session: SessionDep) -> SchoolPublic:
    """Merge a school into another from a date (sáp nhập)."""
    return await OrgService(session).merge_school(p, code, body)


@router.post("/import", response_model=ImportSummary, responses=problem_responses(403, 415, 422))
async def import_schools(
    request: Request, p: OrgAdmin, session: SessionDep, dry_run: bool = False
) -> ImportSummary:
    """Import schools from CSV (UTF-8; columns code,name,province_code,levels,managing_unit_id,
    assessing_unit_id,opened_on); answers per row: created, updated, unchanged or rejected."""
    # an admin's alone, checked before the body is read: a non-admin learns nothing about which
    # schools exist
    return await import_csv(OrgService(session), p, await request.body(), dry_run)


__all__ = ["router"]
