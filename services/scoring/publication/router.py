from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from services.scoring.deps import PrincipalDep, SessionDep
from services.scoring.publication.schemas import LinkOut, LinkWrite, PublicPage, RosterPage
from services.scoring.publication.service import PublicationService, link_out
from shared.contracts import SchoolYear
from shared.errors import problem_responses
from shared.pagination import Cursor, LargeLimit, Limit, decode_one, trim

router = APIRouter(prefix="/api/v1", tags=["publication"])
public_router = APIRouter(prefix="/api/v1/public", tags=["publication"])
Province = Annotated[str, Path(pattern=r"^\d{2}$", description="province code (mã tỉnh)")]


@public_router.get(
    "/provinces/{province}/results/{year}", response_model=PublicPage, responses=problem_responses(422)
)
async def public_results(
    province: Province,
    year: SchoolYear,
    request: Request,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Response:
    """The recognised results of a province and year as published (công bố): school, school level,
    managing unit, level per group, decision number and date, publication links. No token; no
    personal data; only what was recognised. Cacheable: answers `ETag` and honours
    `If-None-Match`."""
    rows = await PublicationService(session).public_page(province, year, decode_one(cursor), limit + 1)
    items, nxt = trim(rows, limit, lambda r: (r.school_code,))
    body = PublicPage(province=province, school_year=year, items=items, next_cursor=nxt).model_dump_json()
    etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/units/{unit_id}/results/{year}", response_model=RosterPage, responses=problem_responses(404, 422)
)
async def roster(
    unit_id: str,
    year: SchoolYear,
    p: PrincipalDep,
    session: SessionDep,
    as_of: date | None = None,
    cursor: Cursor = None,
    limit: LargeLimit = 500,
) -> RosterPage:
    """Every school the unit manages (its subtree) that was open on `as_of` (default: the end of
    the school year, or today), with its self and external assessment of the year and its
    criteria, whether or not it submitted: the roster the papers and exports are made from."""
    rows = await PublicationService(session).roster(p, unit_id, year, as_of, decode_one(cursor), limit + 1)
    items, nxt = trim(rows, limit, lambda r: (r.code,))
    return RosterPage(unit_id=unit_id, school_year=year, items=items, next_cursor=nxt)


@router.get("/schools/{code}/publication/{year}", response_model=LinkOut, responses=problem_responses(404))
async def get_school_link(code: str, year: SchoolYear, p: PrincipalDep, session: SessionDep) -> LinkOut:
    """Where the school published its result of the year."""
    return link_out(await PublicationService(session).get_link(p, "school", code, year))


@router.put(
    "/schools/{code}/publication/{year}", response_model=LinkOut, responses=problem_responses(403, 404, 422)
)
async def put_school_link(
    code: str, year: SchoolYear, body: LinkWrite, p: PrincipalDep, session: SessionDep
) -> LinkOut:
    """Record the school's publication link ("Đường link website"; audited)."""
    return link_out(await PublicationService(session).put_link(p, "school", code, year, str(body.url)))


@router.get("/units/{unit_id}/publication/{year}", response_model=LinkOut, responses=problem_responses(404))
async def get_unit_link(unit_id: str, year: SchoolYear, p: PrincipalDep, session: SessionDep) -> LinkOut:
    """Where the unit published the results it recognised."""
    return link_out(await PublicationService(session).get_link(p, "unit", unit_id, year))


@router.put(
    "/units/{unit_id}/publication/{year}", response_model=LinkOut, responses=problem_responses(403, 404, 422)
)
async def put_unit_link(
    unit_id: str, year: SchoolYear, body: LinkWrite, p: PrincipalDep, session: SessionDep
) -> LinkOut:
    """Record the unit's publication link (audited)."""
    return link_out(await PublicationService(session).put_link(p, "unit", unit_id, year, str(body.url)))
