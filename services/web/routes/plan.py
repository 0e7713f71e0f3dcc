"""The path to the next level and the improvement plan, where the school sees its score: insights'
`…/{kind}/next-level` per group (options, changes, why), and `GET|PUT …/plan` with each target's
progress against the next year's facts and last year's targets carried."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.web import records
from services.web.api import Api, api_of, require_sign_in
from services.web.errors import ApiProblem
from services.web.loaders import base
from services.web.pages import flash_url, redirect, render
from services.web.routes.school import Code, Year
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
        request,
        "_next_level.html",
        data=data,
        plan=plan,
        code=code,
        year_=year,
        show=records.show_fact,
        adopt=lambda option: adopt_url(code, year, option),
    )


def adopt_url(code: str, year: str, option: dict[str, Any]) -> str:
    """The plan form with a next-level option's changes as new targets (`add=item:fact`)."""
    adds = [("add", f"{c['item']}:{records.show_fact(c['to'])}") for c in option.get("changes") or []]
    return f"/schools/{code}/{year}/plan?{urlencode(adds)}#plan-form"


def _rows(plan: dict[str, Any] | None, adopt: bool, add: list[str]) -> list[dict[str, Any]]:
    """The form's rows: this year's targets, last year's when adopted, a next-level option's
    changes when added, then blank rows."""
    have = list((plan or {}).get("targets") or [])
    if adopt:
        have += list((plan or {}).get("carried") or [])
    for a in add:
        item, _, fact = a.partition(":")
        have.append({"item": item, "target": records.parse_fact(fact)})
    first: dict[str, dict[str, Any]] = {}
    for t in have:
        first.setdefault(t["item"], t)  # an item once: this year's target before an added one
    rows = [
        {
            "item": t["item"],
            "target": records.show_fact(t.get("target")),
            "owner": t.get("owner") or "",
            "due": t.get("due") or "",
            "note": t.get("note") or "",
        }
        for t in first.values()
    ]
    return rows + [{"item": "", "target": "", "owner": "", "due": "", "note": ""}] * BLANK_ROWS


async def _page(request: Request, api: Api, code: str, year: str, **ctx: Any) -> Response:
    school = await api.get(f"/api/v1/org/schools/{code}")
    plan = await api.maybe(f"{base(code, year)}/plan")
    ctx.setdefault("rows", _rows(plan, ctx.pop("adopt", False), ctx.pop("add", [])))
    return render(
        request, "plan.html", school=school, plan=plan, code=code, year_=year, show=records.show_fact, **ctx
    )


@router.get("/schools/{code}/{year}/plan")
async def plan_page(
    request: Request,
    api: ApiDep,
    code: Code,
    year: Year,
    adopt: bool = False,
    add: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006 (FastAPI copies defaults)
    ok: str | None = None,
) -> Response:
    return await _page(request, api, code, year, adopt=adopt, add=add, ok=ok, problem=None, fields=[])


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
