"""The school's records of the papers: its self-assessment council (members, roles, tasks, the
head's decision) and the link where it published its result. Viewed and edited here, written
through `PUT /api/v1/schools/{code}/council/{year}` (with `If-Match`) and `…/publication/{year}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.web import records
from services.web.api import Api, api_of, require_sign_in
from services.web.errors import ApiProblem
from services.web.loaders import form_page, together
from services.web.pages import flash_url, redirect
from services.web.routes.school import Code, Year
from services.web.session import Session, check_csrf

router = APIRouter(dependencies=[Depends(require_sign_in)])
ApiDep = Annotated[Api, Depends(api_of)]
SessionDep = Annotated[Session, Depends(require_sign_in)]
EDITABLE = (403, 409, 412, 422)  # shown in the form with what was typed


def council_path(code: str, year: str) -> str:
    return f"/api/v1/schools/{code}/council/{year}"


def link_path(code: str, year: str) -> str:
    return f"/api/v1/schools/{code}/publication/{year}"


def form_of(council: dict[str, Any] | None) -> dict[str, str]:
    c = council or {}
    return {
        "decision_number": c.get("decision_number") or "",
        "decision_date": c.get("decision_date") or "",
        "signer_name": c.get("signer_name") or "",
        "members": records.show_lines(c.get("members") or [], records.COUNCIL_MEMBER),
    }


async def _page(request: Request, api: Api, code: str, year: str, **ctx: Any) -> Response:
    school, council, link = await together(
        api.get(f"/api/v1/org/schools/{code}"),
        api.maybe(council_path(code, year)),
        api.maybe(link_path(code, year)),
    )
    ctx.setdefault("url", (link or {}).get("url") or "")
    return form_page(
        request,
        "council.html",
        form_of(council),
        school=school,
        council=council,
        code=code,
        year_=year,
        **ctx,
    )


@router.get("/schools/{code}/{year}/council")
async def council_page(request: Request, api: ApiDep, code: Code, year: Year) -> Response:
    return await _page(request, api, code, year)


@router.post("/schools/{code}/{year}/council", dependencies=[Depends(check_csrf)])
async def save_council(request: Request, api: ApiDep, s: SessionDep, code: Code, year: Year) -> Response:
    form = await request.form()
    body = {
        **records.record_head(form),
        "members": records.parse_lines(str(form.get("members") or ""), records.COUNCIL_MEMBER),
    }
    version = str(form.get("version") or "")
    headers = {"If-Match": f'"{version}"'} if version else {}
    try:
        await api.json("PUT", council_path(code, year), json=body, headers=headers)
    except ApiProblem as p:
        if p.status not in EDITABLE:
            raise
        typed = {
            k: str(form.get(k) or "") for k in ("decision_number", "decision_date", "signer_name", "members")
        }
        return await _page(
            request, api, code, year, status=p.status, values=typed,
            problem=p.message(s.lang), fields=p.fields(s.lang),
        )  # fmt: skip
    return redirect(request, flash_url(f"/schools/{code}/{year}/council", "saved"))


@router.post("/schools/{code}/{year}/publication", dependencies=[Depends(check_csrf)])
async def save_link(request: Request, api: ApiDep, s: SessionDep, code: Code, year: Year) -> Response:
    url = str((await request.form()).get("url") or "").strip()
    try:
        await api.json("PUT", link_path(code, year), json={"url": url})
    except ApiProblem as p:
        if p.status not in EDITABLE:
            raise
        return await _page(
            request,
            api,
            code,
            year,
            status=p.status,
            url=url,
            problem=p.message(s.lang),
            fields=p.fields(s.lang),
        )
    return redirect(request, flash_url(f"/schools/{code}/{year}/council", "saved"))
