"""`GET /admin/v1/jobs`: every scheduled job's last run and outcome, gathered from the services
that own them (each keeps its runs in its own database, `shared.jobs`). Admins only."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Request

from services.gateway.jobs import JOB_RUNS
from services.gateway.permissions import AdminDep
from shared.errors import problem_responses
from shared.jobs import statuses
from shared.pagination import Cursor, Limit, Page, paginate
from shared.principal import HEADER, sign_principal
from shared.schedule import JOBS

router = APIRouter(prefix="/admin/v1", tags=["admin"], responses=problem_responses(401, 403))


@router.get("/jobs", response_model=Page[dict[str, Any]], responses=problem_responses(422))
async def jobs(
    request: Request, p: AdminDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[dict[str, Any]]:
    """Each job of the schedule: service, cron, last run (slot, outcome, detail), last success. A
    service that does not answer shows its jobs with `unavailable: true`. By service and job."""
    secret = request.app.state.settings.internal_secret.get_secret_value()
    upstreams: dict[str, httpx.AsyncClient] = request.app.state.upstreams
    out: list[dict[str, Any]] = []
    for service in sorted({j.service for j in JOBS}):
        if service == "gateway":  # its own runs, in its own database
            names = [j.name for j in JOBS if j.service == service]
            out.extend(
                s.model_dump(mode="json")
                for s in await statuses(request.app.state.session_factory, JOB_RUNS, names)
            )
            continue
        try:
            r = await upstreams[service].get(
                "/internal/v1/jobs", headers={HEADER: sign_principal(p, secret, ttl=60)}
            )
            r.raise_for_status()
            out.extend(r.json())
        except (httpx.HTTPError, KeyError):
            out.extend({"job": j.name, "service": service, "cron": j.cron, "unavailable": True}
                       for j in JOBS if j.service == service)  # fmt: skip
    rows, nxt, total = paginate(out, cursor, limit, lambda j: (str(j["service"]), str(j["job"])), arity=2)
    return Page(items=rows, next_cursor=nxt, total=total)
