"""The insights fields of the dashboard schema: figures as scoring computes them, scoped."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.scoring.assessments.models import State
from shared.principal import Role
from tests.gateway.conftest import add_user, login
from tests.gateway.test_graphql import gql
from tests.scoring.test_insights_analytics import Y0, Y1, add

# GraphQL resolves the fields of one query at once: concurrent requests to scoring, each its own
# transaction
pytestmark = [pytest.mark.asyncio, pytest.mark.commits]


@pytest.fixture
async def data(scoring: httpx.AsyncClient, scoring_app: Any) -> httpx.AsyncClient:
    """001: 40 → 55 (level 1 → 2); 002: 60 → 60 with an external 50 (self 10 higher)."""
    await add(scoring_app, "79701001", Y0, "self", State.APPROVED, "40")
    await add(scoring_app, "79701001", Y1, "self", State.APPROVED, "55")
    await add(scoring_app, "79701002", Y0, "self", State.APPROVED, "60")
    await add(scoring_app, "79701002", Y1, "self", State.APPROVED, "60", {"1.3": "20"})
    await add(scoring_app, "79701002", Y1, "external", State.CONCLUDED, "50", {"1.3": "12"})
    return scoring


Q = """query($u: String!, $y: String!) {
  transitions(unitId: $u, year: $y) { previousYear cells { fromLevel toLevel schools } up same }
  selfVsExternal(unitId: $u, year: $y) { criteria { code schools meanDifference shareSelfHigher }
    units { unitId direct groups { code schools meanDifference } } }
  goodModels(province: "79", year: $y) { totalCount items { rank schoolCode points } }
  yearOnYear(unitId: $u, year: $y) { totalCount items { schoolCode groups { code change levelChange } } }
}"""


async def test_insights_fields(gateway, gw, data):
    await add_user(gateway, "officer.so79", Role.OFFICER, org_units=["so-79"])
    out = (await gql(gw, await login(gw, "officer.so79"), Q, u="so-79", y=Y1))["data"]
    t = out["transitions"]
    assert t["previousYear"] == Y0
    assert {(c["fromLevel"], c["toLevel"], c["schools"]) for c in t["cells"]} == {(1, 2, 1), (2, 2, 1)}
    assert (t["up"], t["same"]) == (1, 1)
    c13 = next(c for c in out["selfVsExternal"]["criteria"] if c["code"] == "1.3")
    assert (c13["schools"], c13["meanDifference"], c13["shareSelfHigher"]) == (1, "8.00", "1.0000")
    # per child unit: only phong-797-a has a school with both (002: 60 − 50); phong-797-b none
    units = {u["unitId"]: u for u in out["selfVsExternal"]["units"]}
    assert set(units) == {"phong-797-a", "phong-797-b"}  # so-79's own school has no pair
    g1 = next(g for g in units["phong-797-a"]["groups"] if g["code"] == "1")
    assert (g1["schools"], g1["meanDifference"]) == (1, "10.00")
    assert units["phong-797-b"]["groups"] == []
    assert [(s["rank"], s["schoolCode"], s["points"]) for s in out["goodModels"]["items"]] == [
        (1, "79701002", "60.00"),
        (2, "79701001", "55.00"),
    ]
    by = {s["schoolCode"]: s["groups"][0] for s in out["yearOnYear"]["items"]}
    assert (by["79701001"]["change"], by["79701001"]["levelChange"]) == ("15.00", 1)
    assert out["goodModels"]["totalCount"] == len(out["goodModels"]["items"]) == 2
    assert out["yearOnYear"]["totalCount"] == len(out["yearOnYear"]["items"]) > 0


async def test_another_phong_gets_nothing(gateway, gw, data):
    await add_user(gateway, "officer.pb", Role.OFFICER, org_units=["phong-797-b"])
    out = (await gql(gw, await login(gw, "officer.pb"), Q, u="so-79", y=Y1))["data"]
    assert out["transitions"] is None
    assert out["selfVsExternal"] is None
    assert out["yearOnYear"] is None
    assert out["goodModels"]["items"] == []


async def test_rest_routes_are_forwarded(gateway, gw, data):
    await add_user(gateway, "officer.so79", Role.OFFICER, org_units=["so-79"])
    headers = await login(gw, "officer.so79")
    r = await gw.get("/api/v1/insights/units/so-79/transitions", params={"year": Y1}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["up"] == 1
    r = await gw.get(f"/api/v1/schools/79701001/assessments/{Y1}/self/year-on-year", headers=headers)
    assert r.status_code == 200, r.text
