"""The Sở dashboard: a shell painted at once, its figures loaded by htmx from GraphQL; every
figure links to the schools behind it; exports one click away."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.web import dashboard as d
from services.web.api import Api, api_of, require_sign_in
from services.web.loaders import framework_for
from services.web.pages import render
from services.web.routes.school import passthrough

router = APIRouter(dependencies=[Depends(require_sign_in)])
ApiDep = Annotated[Api, Depends(api_of)]
MAX_PAGES = 50  # 10,000 schools: a province's dashboard, never an unbounded walk


async def all_schools(api: Api, year: str, flt: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    for _ in range(MAX_PAGES):
        data = await api.graphql(d.SCHOOLS, {"year": year, "filter": flt, "after": after})
        conn = data["schools"]
        nodes += conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    return nodes


@router.get("/dashboard")
async def dashboard(request: Request, year: str | None = None) -> Response:
    return render(request, "dashboard.html", year_=year or request.app.state.settings.school_year)


@router.get("/dashboard/data")
async def dashboard_data(request: Request, api: ApiDep, year: str | None = None) -> Response:
    year = year or request.app.state.settings.school_year
    tree = (await api.graphql(d.TREE, {"year": year}))["orgTree"]
    roots = []
    for root in tree:
        row = d.unit_row(root)
        children = [d.unit_row(c) for c in root.get("children", [])]
        direct = row.summary["schools"] - sum(c.summary["schools"] for c in children)
        roots.append({"row": row, "children": children, "direct": direct, "raw": root})
    if not roots:
        return render(request, "_dashboard.html", roots=[], year_=year)
    fw = await framework_for(api, None)
    province = tree[0].get("provinceCode")
    risk = (await api.graphql(d.AT_RISK, {"year": year, "province": province})).get("atRisk")
    for r in roots:
        r["weakest"] = d.weakest(r["row"].summary, fw)
    return render(request, "_dashboard.html", roots=roots, risk=risk, year_=year)


@router.get("/dashboard/levels")
async def levels_by_school_level(
    request: Request, api: ApiDep, unit: Annotated[str, Query(max_length=64)], year: str | None = None
) -> Response:
    """Levels by unit × school level: after the figures, since it walks the school list."""
    year = year or request.app.state.settings.school_year
    root = (await api.graphql(d.ORG, {"id": unit}))["orgUnit"]
    if root is None:  # out of scope, as the API says
        return render(request, "_levels.html", table={}, units={}, root=None, year_=year)
    schools = await all_schools(api, year, {"unitId": unit})
    table = d.levels_by_school_level(schools, d.unit_of(root["children"]), root["id"])
    names = {c["id"]: c["name"] for c in root["children"]} | {root["id"]: root["name"]}
    return render(
        request,
        "_levels.html",
        table=table,
        units=names,
        root=root,
        year_=year,
        school_levels=d.SCHOOL_LEVELS,
    )


@router.get("/dashboard/schools")
async def drill_down(
    request: Request,
    api: ApiDep,
    year: str | None = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=32)] = None,
    external_state: Annotated[str | None, Query(max_length=32)] = None,
    level: Annotated[str | None, Query(max_length=8)] = None,
    g1: int | None = None,
    g2: int | None = None,
) -> Response:
    year = year or request.app.state.settings.school_year
    flt = {
        "unitId": unit,
        "state": state,
        "externalState": external_state,
        "level": level,
        "group1Level": g1,
        "group2Level": g2,
    }
    nodes = await all_schools(api, year, {k: v for k, v in flt.items() if v is not None})
    return render(request, "drill.html", schools=nodes, flt=flt, year_=year)


@router.get("/exports/{year}.xlsx")
async def export(api: ApiDep, year: str, kind: str = "self") -> Response:
    return await passthrough(
        api, f"/api/v1/sync/exports/{year}.xlsx", {"kind": "external" if kind == "external" else "self"}
    )
