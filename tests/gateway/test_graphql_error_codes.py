"""Every GraphQL error carries `extensions.code`: syntax, validation and the query limits too."""

from __future__ import annotations

import pytest

from tests.gateway.test_graphql import officer

__all__ = ["officer"]  # the fixture, shared
pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ orgTree { id ", "GRAPHQL_PARSE_FAILED"),
        ("{ orgTree { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        ('{ summary(unitId: 1, year: "2024-2025") { schools } }', "GRAPHQL_VALIDATION_FAILED"),
        ("{ orgTree { " + "children { " * 12 + "id" + " }" * 12 + " } }", "QUERY_TOO_COMPLEX"),
        ("{ " + " ".join(f"a{i}: orgTree {{ id }}" for i in range(40)) + " }", "QUERY_TOO_COMPLEX"),
        ("{ orgTree { id " + "id " * 2100 + "} }", "QUERY_TOO_COMPLEX"),
    ],
)
async def test_query_errors_have_codes(gw, officer, query, code):
    r = await gw.post("/graphql", json={"query": query}, headers=officer)
    errors = r.json()["errors"]
    assert errors
    assert all(e.get("extensions", {}).get("code") for e in errors), errors
    assert errors[0]["extensions"]["code"] == code, errors[0]["message"]
