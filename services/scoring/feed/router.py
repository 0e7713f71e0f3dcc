"""Internal endpoints for the other services: the change feed and school scope look-ups."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from services.scoring.deps import SessionDep
from services.scoring.feed import repository as feed
from services.scoring.org.repository import OrgRepository
from services.scoring.org.scope import ancestors
from services.scoring.org.service import OrgService
from services.scoring.permissions import InternalCaller
from shared.contracts import EventPage, SchoolScope
from shared.errors import problem_responses

router = APIRouter(prefix="/internal/v1", tags=["internal"])


@router.get("/events", response_model=EventPage, responses=problem_responses(401, 403))
async def events(
    _: InternalCaller,
    session: SessionDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    """Events after the cursor, in commit order; `next_cursor` is what to pass next time."""
    return await feed.read(session, after, limit)


@router.get("/schools/{code}/scope", response_model=SchoolScope, responses=problem_responses(401, 403, 404))
async def school_scope(
    code: str, _: InternalCaller, session: SessionDep, last_known: bool = False
) -> SchoolScope:
    """Where a school sits in the hierarchy today, for other services' scope checks; with
    `last_known`, a school closed or merged since answers with where it last sat."""
    return await OrgService(session).scope(code, last_known)


@router.get("/schools", response_model=list[SchoolScope], responses=problem_responses(401, 403))
async def schools_open(
    _: InternalCaller, session: SessionDep, as_of: date, province: str | None = None
) -> list[SchoolScope]:
    """Schools open on `as_of` (optionally in one province): the set expected to report then."""
    rows = await OrgRepository(session).schools_open_on(province, as_of)
    cache: dict[str, list[str]] = {}
    out = []
    for s, pl in rows:
        if pl.managing_unit_id not in cache:
            cache[pl.managing_unit_id] = await ancestors(session, pl.managing_unit_id)
        out.append(
            SchoolScope(
                code=s.code,
                name=s.name,
                province_code=s.province_code,
                ancestors=cache[pl.managing_unit_id],
                active=True,
            )
        )
    return out
