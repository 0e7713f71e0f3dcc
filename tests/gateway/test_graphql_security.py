"""GraphQL needs a token for any query, whatever the Accept header; arguments that reach a
service are checked against the shape of what they name and never become another path."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from services.gateway.main import create_app
from shared.principal import Role
from tests.gateway.conftest import add_user, gateway_settings, login, running

HTML = {"Accept": "text/html,application/xhtml+xml"}


class TestTokenForEveryQuery:
    @pytest.mark.parametrize("accept", ["text/html", "text/html,*/*", "*/*", "application/json"])
    async def test_a_get_query_needs_a_token_whatever_it_accepts(self, gw, accept):
        r = await gw.get("/graphql", params={"query": "{ orgTree { id } }"}, headers={"Accept": accept})
        assert r.status_code == 401
        assert r.json()["code"] == "token_invalid"

    async def test_the_page_alone_loads(self, gw):
        r = await gw.get("/graphql", headers=HTML)
        assert r.status_code == 200
        assert "graphiql" in r.text.lower()


@pytest.fixture
async def recorded(gateway_url: str, gateway_conn: AsyncConnection | None) -> Any:
    """A gateway whose scoring upstream records every path it is asked for."""
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(404, json={"status": 404, "code": "not_found"})

    upstream = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://scoring")
    app = create_app(gateway_settings(gateway_url), {"scoring": upstream})
    async with running(app, gateway_conn) as c:
        await add_user(app, "officer", Role.OFFICER, org_units=["so-79"])
        yield c, await login(c, "officer"), seen
    await upstream.aclose()


BAD = [
    (
        'assessment(schoolCode: "../../../internal/v1/events?after=0#", year: "2024-2025") { schoolCode }',
        "schoolCode",
    ),
    ('assessment(schoolCode: "79701001", year: "2024-2025/../../x") { schoolCode }', "year"),
    ('assessment(schoolCode: "79701001%2F..", year: "2024-2025") { schoolCode }', "schoolCode"),
    ('summary(unitId: "so-79&all=1", year: "2024-2025") { schools }', "unitId"),
    ('orgUnit(id: "../x") { id }', "id"),
    ('orgUnit(unitId: "../x") { id }', "unitId"),
    ('node(id: "T3JnVW5pdDouLi94") { id }', "id"),  # OrgUnit:../x
    ('node(id: "not-an-id") { id }', "id"),
    ('atRisk(year: "2024-2025", province: "79/../..") { schools { schoolCode } }', "province"),
    ('timeliness(year: "2024", province: "79") { expected }', "year"),
]
# closed vocabularies are enums: the schema itself refuses anything else, before any resolver runs
NOT_IN_ENUM = [
    'schools(year: "2024-2025", filter: {state: "x&unit=so-01"}) { nodes { code } }',
    'schools(year: "2024-2025", filter: {level: MN}) { nodes { code } }',
    'atRisk(year: "2024-2025", kind: "self&x=1") { schools { schoolCode } }',
    'atRisk(year: "2024-2025", kind: "self") { schools { schoolCode } }',
]


class TestArguments:
    @pytest.mark.parametrize(("field", "argument"), BAD)
    async def test_refused_with_a_clear_code_before_any_call(self, recorded, field, argument):
        c, token, seen = recorded
        r = await c.post("/graphql", json={"query": "{ " + field + " }"}, headers=token)
        assert r.status_code == 200
        (err,) = r.json()["errors"]
        assert err["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
        assert seen == []

    @pytest.mark.parametrize("field", NOT_IN_ENUM)
    async def test_values_outside_an_enum_never_reach_a_service(self, recorded, field):
        c, token, seen = recorded
        r = await c.post("/graphql", json={"query": "{ " + field + " }"}, headers=token)
        (err,) = r.json()["errors"]
        assert err["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert seen == []

    async def test_a_good_one_reaches_only_its_own_path(self, recorded):
        c, token, seen = recorded
        q = '{ assessment(schoolCode: "79701001", year: "2024-2025") { schoolCode } }'
        r = await c.post("/graphql", json={"query": q}, headers=token)
        assert r.json()["data"]["assessment"] is None
        assert {u.path for u in seen} == {
            "/api/v1/schools/79701001/assessments/2024-2025/self",
            "/api/v1/schools/79701001/assessments/2024-2025/external",
        }
        assert all(not u.query for u in seen)


class TestBoundedRequests:
    Q = 'query($f: SchoolFilter) { schools(year: "2024-2025", filter: $f) { nodes { code } } }'

    @staticmethod
    def deep(n: int) -> str:
        return '{"a": ' * n + "1" + "}" * n

    async def test_variables_nested_a_thousand_deep_are_a_400_problem(self, recorded):
        c, token, seen = recorded
        body = '{"query": ' + json.dumps(self.Q) + ', "variables": {"f": ' + self.deep(1000) + "}}"
        r = await c.post("/graphql", content=body, headers={**token, "content-type": "application/json"})
        assert (r.status_code, r.json()["code"]) == (400, "too_deeply_nested")
        r = await c.get("/graphql", params={"query": self.Q, "variables": self.deep(1000)}, headers=token)
        assert (r.status_code, r.json()["code"]) == (400, "too_deeply_nested")
        assert seen == []

    async def test_ordinary_nesting_still_runs(self, recorded):
        c, token, _ = recorded
        r = await c.post(
            "/graphql", json={"query": self.Q, "variables": {"f": {"state": "approved"}}}, headers=token
        )
        assert r.status_code == 200
        assert "too_deeply_nested" not in r.text

    async def test_a_large_body_is_a_413(self, recorded):
        c, token, _ = recorded
        r = await c.post(
            "/graphql", json={"query": "{ orgTree { id } }", "pad": "x" * 300_000}, headers=token
        )
        assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")
