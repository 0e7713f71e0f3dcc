"""Web workspace figure: the Sở dashboard for a province of 2,000 schools (30,000 nationally),
as a ratio against the GraphQL queries alone, measured in the same run.

- first meaningful paint: the page and its figures (`GET /dashboard` + `GET /dashboard/data`:
  the unit tree with its SQL summaries, the framework, the at-risk list, rendered), against the
  tree query alone through the gateway;
- complete data: the above plus the levels by unit × school level (`GET /dashboard/levels`,
  which pages through the province's schools), against every GraphQL query the page makes.

Everything runs in one process over httpx's ASGI transport (scoring, the gateway, the web app),
so the ratios measure the software. The browser's own work (parsing, htmx, layout) is not in it.

`python -m bench.web [--runs N]`
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.gateway import PASSWORD, SECRET, YEAR, _load, _rows
from services.gateway.admin.schemas import UserCreate
from services.gateway.admin.service import AdminService
from services.gateway.config import GatewaySettings
from services.gateway.main import create_app as create_gateway
from services.scoring.config import ScoringSettings
from services.scoring.main import create_app as create_scoring
from services.web import dashboard as d
from services.web.config import WebSettings
from services.web.main import create_app as create_web
from shared.principal import Role

NATIONAL, PROVINCE = 30_000, 2_000


def dataset() -> dict[str, list[dict[str, Any]]]:
    """The national registry, with the first 2,000 schools placed in province 01's ten Phòng."""
    rows = _rows(NATIONAL)
    moved = {s["code"]: i for i, s in enumerate(rows["schools"][:PROVINCE])}
    for s in rows["schools"][:PROVINCE]:
        s["province_code"] = "01"
    for p in rows["placements"]:
        if p["school_code"] in moved:
            unit = f"phong-01-{moved[p['school_code']] % 10}"
            p["managing_unit_id"] = p["assessing_unit_id"] = unit
    return rows


async def sign_in(web: httpx.AsyncClient) -> None:
    page = (await web.get("/login")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "username": "officer", "password": PASSWORD, "next": "/"}
    r = await web.post("/login", data=form)
    assert r.status_code == 303, r.text


def report(name: str, ours: list[float], base: list[float]) -> None:
    med, bmed = statistics.median(ours), statistics.median(base)
    print(f"{name}: median {med:.1f} ms vs {bmed:.1f} ms GraphQL alone (ratio {med / bmed:.2f})", flush=True)


async def run(runs: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    scoring = create_scoring(
        ScoringSettings(database_url=f"sqlite+aiosqlite:///{tmp / 'scoring.db'}", internal_secret=SECRET)
    )
    gw_settings = GatewaySettings(
        database_url=f"sqlite+aiosqlite:///{tmp / 'gateway.db'}",
        internal_secret=SECRET,
        rate_limit_per_second=1e6,
        rate_limit_burst=1_000_000,
    )
    async with scoring.router.lifespan_context(scoring):
        t = time.perf_counter()
        await _load(scoring, dataset())
        print(f"dataset: {NATIONAL} schools, {PROVINCE} in the province, in {time.perf_counter() - t:.1f} s")
        direct = httpx.AsyncClient(transport=httpx.ASGITransport(app=scoring), base_url="http://scoring")
        gateway = create_gateway(gw_settings, {"scoring": direct})
        async with gateway.router.lifespan_context(gateway), direct:
            async with gateway.state.session_factory() as s:
                body = UserCreate(
                    username="officer",
                    name="Sở 01",
                    password=PASSWORD,
                    roles=[Role.OFFICER],
                    org_units=["so-01"],
                )
                await AdminService(s).create_user(body)
                await s.commit()
            gw = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw")
            web_app = create_web(
                WebSettings(province="01", session_secret=secrets.token_urlsafe(32)), gateway=gw
            )
            web = httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app), base_url="https://web")
            async with gw, web:
                await sign_in(web)
                r = await gw.post("/auth/login", json={"username": "officer", "password": PASSWORD})
                token = {"Authorization": f"Bearer {r.json()['access_token']}"}
                await measure(web, gw, token, runs)


async def measure(web: httpx.AsyncClient, gw: httpx.AsyncClient, token: dict[str, str], runs: int) -> None:
    async def gql(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        r = await gw.post("/graphql", json={"query": query, "variables": variables}, headers=token)
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()["data"]
        return data

    async def page_paint() -> None:
        assert (await web.get("/dashboard")).status_code == 200
        r = await web.get("/dashboard/data")
        assert 'data-figure="schools-so-01"' in r.text, r.text[:500]

    async def page_complete() -> None:
        await page_paint()
        r = await web.get("/dashboard/levels", params={"unit": "so-01"})
        assert 'data-table="levels-so-01"' in r.text

    async def tree() -> None:
        await gql(d.TREE, {"year": YEAR})

    async def every_query() -> None:
        await tree()
        await gql(d.AT_RISK, {"year": YEAR, "province": "01"})
        after = None
        while True:
            conn = (await gql(d.SCHOOLS, {"year": YEAR, "filter": {"unitId": "so-01"}, "after": after}))[
                "schools"
            ]
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]

    for name, ours, base in (
        ("first meaningful paint", page_paint, tree),
        ("complete data", page_complete, every_query),
    ):
        await ours()
        await base()
        times: tuple[list[float], list[float]] = ([], [])
        for i in range(runs):
            for slot, fn in ((0, ours), (1, base)) if i % 2 == 0 else ((1, base), (0, ours)):
                t = time.perf_counter()
                await fn()
                times[slot].append((time.perf_counter() - t) * 1000)
        report(f"Sở dashboard, {name}", *times)


def main(args: argparse.Namespace) -> None:
    asyncio.run(run(getattr(args, "web_runs", 10)))


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="python -m bench.web")
    p.add_argument("--runs", dest="web_runs", type=int, default=10)
    main(p.parse_args())
