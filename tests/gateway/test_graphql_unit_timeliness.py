"""Each unit's `timeliness` counts that unit's own schools, not its province's (the sync service
answers per province; the gateway narrows it per unit with one listing of the schools)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from services.run import embedded

PHONGS = ("phong-79-q1", "phong-79-q3", "phong-79-td", "phong-79-cc")
Q = """query($y: String!) {
  so: summary(unitId: "so-79", year: $y) { timeliness { expected } }
  %s
}"""


def demo_password(e: Any) -> str:
    """The demo's password: generated on the data directory's first start."""
    assert e.demo is not None
    return str(e.demo.password)


async def test_each_phong_counts_its_own_schools(demo_dir: Path):
    fields = "\n".join(
        f'p{i}: summary(unitId: "{u}", year: $y) {{ timeliness {{ expected onTime late missing '
        f"schools {{ schoolCode }} }} }}"
        for i, u in enumerate(PHONGS)
    )
    async with embedded(demo_dir) as e:
        transport = httpx.ASGITransport(app=e.gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as gw:
            r = await gw.post("/auth/login", json={"username": "so.officer", "password": demo_password(e)})
            auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
            out = await gw.post(
                "/graphql", json={"query": Q % fields, "variables": {"y": "2024-2025"}}, headers=auth
            )
            data = out.json()["data"]
            province = data["so"]["timeliness"]["expected"]
            total = 0
            for i, unit in enumerate(PHONGS):
                listed = await gw.get(
                    "/api/v1/org/schools", params={"unit": unit, "limit": 500}, headers=auth
                )
                own = {s["code"] for s in listed.json()["items"]}
                t = data[f"p{i}"]["timeliness"]
                assert {s["schoolCode"] for s in t["schools"]} == own, unit
                assert t["expected"] == len(own) < province
                assert t["onTime"] + t["late"] + t["missing"] == t["expected"]
                total += t["expected"]
            assert total <= province


TREE_SCHOOLS = """query($y: String!) { orgUnit(unitId: "so-79") { children { unitId
  schools(year: $y, first: 200) { nodes { code } pageInfo { hasNextPage } } } } }"""
ONE = """query($y: String!, $u: String!) { schools(year: $y, first: 200, filter: {unitId: $u}) {
  nodes { code } } }"""


async def test_unit_schools_are_batched_and_match_the_direct_list(demo_dir: Path):
    async with embedded(demo_dir) as e:
        calls: list[str] = []

        async def count(request: httpx.Request) -> None:
            calls.append(request.url.path)

        e.gateway.state.upstreams["scoring"].event_hooks["request"].append(count)
        transport = httpx.ASGITransport(app=e.gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as gw:
            r = await gw.post("/auth/login", json={"username": "so.officer", "password": demo_password(e)})
            auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
            calls.clear()
            body = {"query": TREE_SCHOOLS, "variables": {"y": "2024-2025"}}
            units = (await gw.post("/graphql", json=body, headers=auth)).json()["data"]["orgUnit"]["children"]
            assert len(units) == 4
            assert calls.count("/api/v1/dashboard/schools") == 1  # not one per unit
            for u in units:
                one = {"query": ONE, "variables": {"y": "2024-2025", "u": u["unitId"]}}
                direct = (await gw.post("/graphql", json=one, headers=auth)).json()["data"]["schools"][
                    "nodes"
                ]
                assert u["schools"]["nodes"] == direct, u["unitId"]
                assert direct
