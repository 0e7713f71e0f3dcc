"""GraphQL for dashboards: scoped figures through DataLoaders, limits, masked errors, schema diff."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.gateway.graphql.export import EXPORTED
from services.gateway.graphql.schema import schema
from shared.principal import Role
from tests.gateway.conftest import add_user, login
from tests.org import HEAD, VENDOR
from tests.scoring.test_engine_levels import FULL

YEAR = "2024-2025"


def test_exported_schema_matches_the_code():
    """Run `python -m services.gateway.graphql.export` after any schema change: the diff is reviewed."""
    assert EXPORTED.read_text().strip() == schema.as_str().strip()


@pytest.fixture
async def data(scoring: httpx.AsyncClient) -> httpx.AsyncClient:
    base = f"/api/v1/schools/79701001/assessments/{YEAR}/self"
    assert (await scoring.put(base, json={"facts": FULL}, headers=VENDOR)).status_code == 201
    assert (await scoring.post(base + "/submit", headers=VENDOR)).status_code == 200
    assert (await scoring.post(base + "/approve", headers=HEAD)).status_code == 200
    return scoring


async def gql(gw: httpx.AsyncClient, headers: dict[str, str], query: str, **variables: Any) -> dict[str, Any]:
    r = await gw.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture
async def officer(gateway, gw) -> dict[str, str]:
    await add_user(gateway, "officer.so79", Role.OFFICER, org_units=["so-79"])
    return await login(gw, "officer.so79")


TREE = """query($year: String!) { orgTree { unitId children { unitId name summary(year: $year) {
  schools selfStates { state count } } children { unitId } } } }"""


@pytest.mark.commits  # fields of one query resolved at once: concurrent requests to scoring
class TestQueries:
    async def test_org_tree_with_summaries_in_one_batch(self, gw, officer, data, upstreams):
        calls: list[str] = []

        async def count(request: httpx.Request) -> None:
            calls.append(request.url.path)

        upstreams["scoring"].event_hooks["request"].append(count)
        out = await gql(gw, officer, TREE, year=YEAR)
        assert "errors" not in out, out
        (root,) = out["data"]["orgTree"]
        assert root["unitId"] == "so-79"
        kids = {c["unitId"]: c["summary"] for c in root["children"]}
        assert kids["phong-797-a"]["schools"] == 2
        assert {"state": "approved", "count": 1} in kids["phong-797-a"]["selfStates"]
        assert kids["phong-797-b"]["schools"] == 1
        # one call for the units, one batched call for every summary: no N+1
        assert calls.count("/api/v1/dashboard/summaries") == 1
        assert calls.count("/api/v1/org/units") == 1

    async def test_summary_levels_and_criteria(self, gw, officer, data):
        q = """query($u: String!, $y: String!) { summary(unitId: $u, year: $y) { schools
          levels { kind group level count } criteria { kind code averagePoints assessed }
          timeliness { expected } } }"""
        s = (await gql(gw, officer, q, u="so-79", y=YEAR))["data"]["summary"]
        assert s["schools"] == 4
        assert {"kind": "self", "group": "1", "level": 3, "count": 1} in s["levels"]
        assert s["timeliness"] is None  # no sync service in this test
        codes = {c["code"] for c in s["criteria"]}
        assert {"1.3", "2.3"} <= codes

    async def test_schools_filters_and_cursor(self, gw, officer, data):
        q = """query($y: String!, $f: SchoolFilter, $after: String) {
          schools(year: $y, filter: $f, first: 2, after: $after) {
            nodes { code selfAssessment { state group1Level } } pageInfo { endCursor hasNextPage } } }"""
        page = (await gql(gw, officer, q, y=YEAR))["data"]["schools"]
        assert [n["code"] for n in page["nodes"]] == ["79000001", "79701001"]
        assert page["pageInfo"]["hasNextPage"]
        page2 = (await gql(gw, officer, q, y=YEAR, after=page["pageInfo"]["endCursor"]))["data"]["schools"]
        assert [n["code"] for n in page2["nodes"]] == ["79701002", "79702001"]
        f = {"state": "approved", "group1Level": 3, "level": "TH"}  # enum values as JSON strings
        only = (await gql(gw, officer, q, y=YEAR, f=f))["data"]["schools"]["nodes"]
        assert only == [{"code": "79701001", "selfAssessment": {"state": "approved", "group1Level": 3}}]

    async def test_assessment_breakdown(self, gw, officer, data):
        q = """query($c: String!, $y: String!) { assessment(schoolCode: $c, year: $y) {
          selfAssessment { state groups { code points level criteria { code points items { code points } } } }
          externalAssessment { state } sideBySide { code } } }"""
        a = (await gql(gw, officer, q, c="79701001", y=YEAR))["data"]["assessment"]
        assert a["selfAssessment"]["state"] == "approved"
        assert [g["points"] for g in a["selfAssessment"]["groups"]] == ["100", "90"]  # exact decimals
        assert a["externalAssessment"] is None
        assert a["sideBySide"] == []

    async def test_scoped_to_the_caller(self, gateway, gw, data):
        await add_user(gateway, "officer.pb", Role.OFFICER, org_units=["phong-797-b"])
        t = await login(gw, "officer.pb")
        out = await gql(gw, t, TREE, year=YEAR)
        assert [u["unitId"] for u in out["data"]["orgTree"]] == ["phong-797-b"]
        q = """query($c: String!, $y: String!) { assessment(schoolCode: $c, year: $y) { schoolCode } }"""
        assert (await gql(gw, t, q, c="79701001", y=YEAR))["data"]["assessment"] is None
        q = """query { summary(unitId: "so-79", year: "2024-2025") { schools } }"""
        assert (await gql(gw, t, q))["data"]["summary"] is None


class TestBadQueries:
    async def test_needs_a_token(self, gw):
        r = await gw.post("/graphql", json={"query": "{ orgTree { id } }"})
        assert r.status_code == 401
        r = await gw.get("/graphql", params={"query": "{ orgTree { id } }"})
        assert r.status_code == 401
        # the GraphiQL page loads without one (it sends the user's token with each query)
        r = await gw.get("/graphql", headers={"Accept": "text/html"})
        assert r.status_code == 200
        assert "graphiql" in r.text.lower()

    async def test_malformed_query_is_a_graphql_error_not_a_500(self, gw, officer):
        r = await gw.post("/graphql", json={"query": "{ orgTree { id "}, headers=officer)
        assert r.status_code in (200, 400)
        assert r.json()["errors"]

    async def test_depth_limit(self, gw, officer):
        deep = "{ orgTree { " + "children { " * 12 + "id" + " }" * 12 + " } }"
        out = (await gw.post("/graphql", json={"query": deep}, headers=officer)).json()
        assert "exceeds maximum operation depth" in out["errors"][0]["message"]

    async def test_bad_argument_from_the_service_has_a_code(self, gw, officer, data):
        out = await gql(gw, officer, '{ summary(unitId: "so-79", year: "2024") { schools } }')
        assert out["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    async def test_unexpected_errors_are_masked(self, gw, officer, upstreams, data):
        async def boom(request: httpx.Request) -> None:
            raise RuntimeError("secret internals")

        upstreams["scoring"].event_hooks["request"].append(boom)
        out = await gql(gw, officer, "{ orgTree { id } }")
        (err,) = out["errors"]
        assert (err["message"], err["extensions"]["code"]) == ("Unexpected error.", "INTERNAL")


class TestOrgUnit:
    async def test_one_unit_with_its_schools(self, gw, officer, data):
        q = """{ orgUnit(unitId: "phong-797-a") { name parentId
          schools(year: "2024-2025", first: 10, filter: {state: approved}) { nodes { code } } } }"""
        u = (await gql(gw, officer, q))["data"]["orgUnit"]
        assert u["parentId"] == "so-79"
        assert u["schools"]["nodes"] == [{"code": "79701001"}]
        assert (await gql(gw, officer, '{ orgUnit(unitId: "bgd") { id } }'))["data"]["orgUnit"] is None
