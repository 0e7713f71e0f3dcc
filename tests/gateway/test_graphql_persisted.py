"""Persisted queries: the dashboard's fixed set runs by hash alone; an unknown hash is refused."""

from __future__ import annotations

import pytest

from services.gateway.graphql.persisted import REGISTRY, digest
from services.web.dashboard import ORG, TREE
from tests.gateway.test_graphql import data, officer

__all__ = ["data", "officer"]  # the fixtures, shared
pytestmark = pytest.mark.asyncio


def _by_hash(h: str) -> dict[str, object]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": h}}}


async def test_the_dashboard_queries_run_by_hash(gw, officer, data):
    assert {digest(TREE), digest(ORG)} <= set(REGISTRY)
    body = {**_by_hash(digest(ORG)), "variables": {"id": "so-79"}}
    r = await gw.post("/graphql", json=body, headers=officer)
    assert r.status_code == 200, r.text
    by_text = await gw.post("/graphql", json={"query": ORG, "variables": {"id": "so-79"}}, headers=officer)
    assert r.json() == by_text.json()
    assert r.json()["data"]["orgUnit"]["id"] == "so-79"


async def test_an_unknown_hash_is_refused(gw, officer):
    r = await gw.post("/graphql", json=_by_hash("0" * 64), headers=officer)
    assert r.status_code == 400
    assert "PERSISTED_QUERY_NOT_FOUND" in r.text
