"""Run reconciliation on demand and list what it flagged."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.schemas import DeliveryOut
from services.sync.deps import SessionDep
from services.sync.permissions import SyncAdmin
from services.sync.reconciliation.service import ReconcileSummary, reconcile
from services.sync.runtime import Runtime
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, Page, decode_cursor, trim

router = APIRouter(prefix="/api/v1/sync/reconciliation", tags=["reconciliation"])


@router.post("/run", response_model=ReconcileSummary, responses=problem_responses(401, 403))
async def run_now(request: Request, p: SyncAdmin, session: SessionDep) -> ReconcileSummary:
    """Read back from CSDL every delivered result not yet checked, and flag differences."""
    runtime: Runtime = request.app.state.runtime
    return await reconcile(session, runtime.csdl)


@router.get("", response_model=Page[DeliveryOut], responses=problem_responses(401, 403, 422))
async def flagged(
    p: SyncAdmin,
    session: SessionDep,
    status: Annotated[Literal["differs", "missing"] | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[DeliveryOut]:
    """Deliveries whose CSDL record differs from what was sent, or is missing; by school, school
    year and delivery id."""
    key = decode_cursor(cursor, 3)
    after = None if key is None else (key[0], key[1], key[2])
    found = await DeliveryRepository(session).flagged(status, after, limit + 1)
    jobs, nxt = trim(found, limit, lambda j: (j.school_code, j.school_year, j.id))
    return Page(items=[DeliveryOut.model_validate(j, from_attributes=True) for j in jobs], next_cursor=nxt)
