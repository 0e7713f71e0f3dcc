"""Reviewer pages (Phòng/Sở officers, assessors): the queue of what awaits them, one school's
self and external assessments side by side with per-item return comments, the external
assessment's actions, and recognition of one or many schools."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.web.api import Api, api_of, require_sign_in
from services.web.errors import ApiProblem
from services.web.loaders import base, school_year
from services.web.pages import render
from services.web.routes.school import Code, Year
from services.web.session import Session, check_csrf

router = APIRouter(dependencies=[Depends(require_sign_in)])
ApiDep = Annotated[Api, Depends(api_of)]
SessionDep = Annotated[Session, Depends(require_sign_in)]

# queue name → the filter of the schools waiting there (one GraphQL query, one alias each)
QUEUES = {
    "await_approve": "{state: submitted}",
    "await_accept": "{state: approved}",
    "await_external": "{state: accepted, externalState: not_started}",
    "in_progress_ext": "{externalState: in_progress}",
    "await_recognise": "{externalState: concluded}",
}
FIELDS = (
    "nodes { code name levels managingUnitId selfAssessment { state group1Level group2Level overallLevel } "
    "externalAssessment { state overallLevel } } pageInfo { hasNextPage }"
)


@router.get("/review")
async def queue(request: Request, api: ApiDep, year: str | None = None, ok: str | None = None) -> Response:
    year = year or request.app.state.settings.school_year
    parts = [f"{k}: schools(year: $year, first: 200, filter: {f}) {{ {FIELDS} }}" for k, f in QUEUES.items()]
    data = await api.graphql("query Queue($year: String!) { " + " ".join(parts) + " }", {"year": year})
    return render(
        request,
        "review.html",
        queues=[(k, data.get(k) or {"nodes": []}) for k in QUEUES],
        ok=ok,
        results=None,
        year_=year,
    )


@router.post("/review/recognise", dependencies=[Depends(check_csrf)])
async def recognise_many(request: Request, api: ApiDep, s: SessionDep) -> Response:
    """Recognition of the selected schools, one decision for all; each school answered on its own
    (a school that cannot be recognised does not stop the others)."""
    form = await request.form()
    year = str(form.get("year") or request.app.state.settings.school_year)
    body = {
        "decision_number": str(form.get("decision_number") or ""),
        "decision_date": form.get("decision_date"),
    }
    results: list[dict[str, Any]] = []
    for code in [str(c) for c in form.getlist("school")][:200]:
        try:
            await api.json("POST", f"{base(code, year)}/external/recognise", json=body)
            results.append({"code": code, "ok": True, "message": None})
        except ApiProblem as p:
            if p.status >= 500:
                raise
            results.append({"code": code, "ok": False, "message": p.message(s.lang)})
    return render(request, "_recognise_results.html", results=results)


@router.get("/review/{code}/{year}")
async def review_school(
    request: Request, api: ApiDep, code: Code, year: Year, ok: str | None = None
) -> Response:
    page, (comparison,) = await school_year(api, code, year, api.maybe(f"{base(code, year)}/comparison"))
    return render(
        request,
        "review_school.html",
        **page.context(),
        cmp=comparison if page.ext else None,  # asked for with the rest; needs both assessments
        code=code,
        year=year,
        ok=ok,
        items=_items(page.a),
    )


def _items(a: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every item of the self-assessment with its criterion, for per-item return comments."""
    out: list[dict[str, Any]] = []
    for g in (a or {}).get("score", {}).get("groups", []):
        for c in g["criteria"]:
            if c.get("mandatory"):
                out.append(
                    {"code": c["code"], "title": c["title"], "points": None, "cap": None, "why": c.get("why")}
                )
            out += [{**i, "criterion": c["code"]} for i in c["items"]]
    return out
