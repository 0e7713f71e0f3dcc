"""A Phòng's or Sở's page of the year: its papers (teams decision, proposed list, recognition
decision by number, the report, the results workbook), its external-assessment teams and schedule
(viewed and edited through `GET|PUT /api/v1/units/{id}/teams/{year}`), and its publication link."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from services.web import records
from services.web.api import Api, api_of, require_sign_in
from services.web.errors import ApiProblem
from services.web.loaders import form_page, together
from services.web.pages import flash_url, redirect, render
from services.web.routes.school import FileName, Year, papers, passthrough
from services.web.session import Session, check_csrf

router = APIRouter(dependencies=[Depends(require_sign_in)])
ApiDep = Annotated[Api, Depends(api_of)]
SessionDep = Annotated[Session, Depends(require_sign_in)]
UnitId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
EDITABLE = (403, 409, 412, 422)


def teams_form(plan: dict[str, Any] | None) -> dict[str, Any]:
    """The teams as the form shows them, with one blank team to add."""
    p = plan or {}
    rows = [
        {
            "name": t["name"],
            "members": records.show_lines(t.get("members") or [], records.TEAM_MEMBER),
            "assignments": records.show_lines(t.get("assignments") or [], records.ASSIGNMENT),
        }
        for t in p.get("teams") or []
    ]
    return {
        "decision_number": p.get("decision_number") or "",
        "decision_date": p.get("decision_date") or "",
        "signer_name": p.get("signer_name") or "",
        "teams": [*rows, {"name": "", "members": "", "assignments": ""}],
    }


@router.get("/units/{unit_id}/{year}")
async def unit_page(request: Request, api: ApiDep, unit_id: UnitId, year: Year) -> Response:
    unit, documents, teams, link = await together(
        api.get(f"/api/v1/org/units/{unit_id}"),  # out of scope: 404
        api.get(f"/api/v1/units/{unit_id}/documents/{year}"),
        api.maybe(f"/api/v1/units/{unit_id}/teams/{year}"),
        api.maybe(f"/api/v1/units/{unit_id}/publication/{year}"),
    )
    return render(
        request,
        "unit.html",
        unit=unit,
        unit_id=unit_id,
        year_=year,
        documents=papers(documents),
        teams=teams,
        link=link,
    )


@router.get("/units/{unit_id}/{year}/documents/{name}")
async def unit_document(
    api: ApiDep,
    unit_id: UnitId,
    year: Year,
    name: FileName,
    decision: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    params = {"decision": decision} if decision else None
    return await passthrough(api, f"/api/v1/units/{unit_id}/documents/{year}/{name}", params)


async def _teams_page(request: Request, api: Api, unit_id: str, year: str, **ctx: Any) -> Response:
    unit, plan = await together(
        api.get(f"/api/v1/org/units/{unit_id}"), api.maybe(f"/api/v1/units/{unit_id}/teams/{year}")
    )
    return form_page(
        request, "teams.html", teams_form(plan), unit=unit, plan=plan, unit_id=unit_id, year_=year, **ctx
    )


@router.get("/units/{unit_id}/{year}/teams")
async def teams_page(request: Request, api: ApiDep, unit_id: UnitId, year: Year) -> Response:
    return await _teams_page(request, api, unit_id, year)


@router.post("/units/{unit_id}/{year}/teams", dependencies=[Depends(check_csrf)])
async def save_teams(request: Request, api: ApiDep, s: SessionDep, unit_id: UnitId, year: Year) -> Response:
    form = await request.form()
    version = str(form.get("version") or "")
    headers = {"If-Match": f'"{version}"'} if version else {}
    try:
        await api.json(
            "PUT", f"/api/v1/units/{unit_id}/teams/{year}", json=records.teams_body(form), headers=headers
        )
    except ApiProblem as p:
        if p.status not in EDITABLE:
            raise
        n = sum(1 for k in form if k.startswith("team-"))
        fields = (("name", "team"), ("members", "members"), ("assignments", "assignments"))
        typed = {
            **{k: str(form.get(k) or "") for k in records.HEAD},
            "teams": [{k: str(form.get(f"{f}-{i}") or "") for k, f in fields} for i in range(n)],
        }
        return await _teams_page(
            request, api, unit_id, year, status=p.status, values=typed,
            problem=p.message(s.lang), fields=p.fields(s.lang),
        )  # fmt: skip
    return redirect(request, flash_url(f"/units/{unit_id}/{year}/teams", "saved"))


@router.post("/units/{unit_id}/{year}/publication", dependencies=[Depends(check_csrf)])
async def save_unit_link(request: Request, api: ApiDep, unit_id: UnitId, year: Year) -> Response:
    url = str((await request.form()).get("url") or "").strip()
    await api.json("PUT", f"/api/v1/units/{unit_id}/publication/{year}", json={"url": url})
    return redirect(request, flash_url(f"/units/{unit_id}/{year}", "saved"))
