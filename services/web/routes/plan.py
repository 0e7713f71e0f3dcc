"""The path to the next level and the improvement plan, where the school sees its score: insights'
`…/{kind}/next-level` per group (options, changes, why), and `GET|PUT …/plan` with each target's
progress against the next year's facts and last year's targets carried."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.web import records
from services.web.api import Api, api_of, require_sign_in
from services.web.errors import ApiProblem
from services.web.pages import flash_url, redirect, render
from services.web.routes.school import Code, Year, base
from services.web.session import Session, check_csrf

router = APIRouter(dependencies=[Depends(require_sign_in)])
ApiDep = Annotated[Api, Depends(api_of)]
SessionDep = Annotated[Session, Depends(require_sign_in)]
BLANK_ROWS = 3


@router.get("/schools/{code}/{year}/next-level")
async def next_level(request: Request, api: ApiDep, code: Code, year: Year, kind: str = "self") -> Response:
    """The section of the school page: per group the next level's options, then the plan."""
    kind = "external" if kind == "external" else "self"
    data = await api.maybe(f"{base(code, year)}/{kind}/next-level")  # 404: no assessment yet
    plan = await api.maybe(f"{base(code, year)}/plan")
    return render(
        request, "_next_level.html", data=data, plan=plan, code=code, year_=year, show=records.show_fact
    )


def _rows(plan: dict[str, Any] | None, adopt: bool) -> list[dict[str, Any]]:
    """The form's rows: this year's targets, last year's when adopted, then blank rows."""
    have = list((plan or {}).get("targets") or [])
    if adopt:
        mine = {t["item"] for t in have}
        have += [t for t in (plan or {}).get("carried") or [] if t["item"] not in mine]
    rows = [
        {
            "item": t["item"],
            "target": records.show_fact(t.get("target")),
            "owner": t.get("owner") or "",
            "due": t.get("due") or "",
            "note": t.get("note") or "",
        }
        for t in have
    ]
    return rows + [{"item": "", "target": "", "owner": "", "due": "", "note": ""}] * BLANK_ROWS


async def _page(request: Request, api: Api, code: str, year: str, **ctx: Any) -> Response:
    school = await api.get(f"/api/v1/org/schools/{code}")
    plan = await api.maybe(f"{base(code, year)}/plan")
    ctx.setdefault("rows", _rows(plan, ctx.pop("adopt", False)))
    return render(
        request, "plan.html", school=school, plan=plan, code=code, year_=year, show=records.show_fact, **ctx
    )


@router.get("/schools/{code}/{year}/plan")
async def plan_page(
    request: Request, api: ApiDep, code: Code, year: Year, adopt: bool = False, ok: str | None = None
) -> Response:
    return await _page(request, api, code, year, adopt=adopt, ok=ok, problem=None, fields=[])


@router.post("/schools/{code}/{year}/plan", dependencies=[Depends(check_csrf)])
async def save_plan(request: Request, api: ApiDep, s: SessionDep, code: Code, year: Year) -> Response:
    form = await request.form()
    body = records.plan_body(form)
    try:
        await api.json("PUT", f"{base(code, year)}/plan", json=body)
    except ApiProblem as p:
        if p.status not in (403, 409, 422):
            raise
        typed = [
            {k: str(form.get(f"{k}-{n}") or "") for k in ("item", "target", "owner", "due", "note")}
            for n in range(sum(1 for k in form if k.startswith("item-")))
        ]
        return await _page(
            request, api, code, year, status=p.status, rows=typed, ok=None,
            problem=p.message(s.lang), fields=p.fields(s.lang),
        )  # fmt: skip
    return redirect(request, flash_url(f"/schools/{code}/{year}/plan", "saved"))
