"""Check-then-write is one atomic step on both backends: concurrent writers carrying the same
version, and writers racing a state change, never both win."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.org import HEAD, OFFICER_A, STAFF
from tests.scoring.test_engine_levels import FULL

pytestmark = [pytest.mark.asyncio, pytest.mark.commits]  # races between real transactions
SELF = "/api/v1/schools/79701001/assessments/2024-2025/self"


@pytest.fixture
async def org(client: httpx.AsyncClient, province: None) -> httpx.AsyncClient:
    return client


def _facts(n: int) -> dict[str, object]:
    return {**FULL, "1.4.1": {"count": n}}


async def test_same_if_match_one_winner(org):
    assert (await org.put(SELF, json={"facts": FULL}, headers=STAFF)).status_code == 201
    h = {**STAFF, "If-Match": '"1"'}
    rs = await asyncio.gather(*(org.put(SELF, json={"facts": _facts(i)}, headers=h) for i in range(30)))
    codes = sorted(r.status_code for r in rs)
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 412}, [r.text for r in rs if r.status_code not in (200, 412)]
    audit = (await org.get(SELF + "/audit", headers=HEAD)).json()["items"]
    assert [(a["action"], a["version"]) for a in audit] == [("create", 1), ("update", 2)]


async def test_puts_racing_a_submit_never_change_the_submission(org):
    for round_ in range(4):
        current = await org.get(SELF, headers=STAFF)
        match = {"If-Match": current.headers["etag"]} if current.status_code == 200 else {}
        r = await org.put(SELF, json={"facts": FULL}, headers={**STAFF, **match})
        assert r.status_code in (200, 201), r.text
        # every racing PUT carries the version it read, as a client must (If-Match is required)
        now = {**STAFF, "If-Match": r.headers["etag"]}
        puts = [org.put(SELF, json={"facts": _facts(i + round_)}, headers=now) for i in range(6)]
        rs = await asyncio.gather(*puts[:3], org.post(SELF + "/submit", headers=STAFF), *puts[3:])
        assert all(r.status_code in (200, 409, 412) for r in rs), [r.text for r in rs]
        if rs[3].status_code != 200:  # the submit lost to a PUT: it changed nothing, so again
            assert rs[3].json()["code"] == "concurrent_change"
            assert (await org.post(SELF + "/submit", headers=STAFF)).status_code == 200
        audit = (await org.get(SELF + "/audit", headers=HEAD)).json()["items"]
        actions = [a["action"] for a in audit]
        submitted = len(actions) - 1 - actions[::-1].index("submit")
        assert "update" not in actions[submitted:], actions
        got = (await org.get(SELF, headers=HEAD)).json()
        assert got["state"] == "submitted"
        assert got["facts"] == audit[submitted]["after"]["facts"]
        # back to draft for the next round
        r = await org.post(SELF + "/return", json={"reason": "lại"}, headers=HEAD)
        assert r.status_code == 200, r.text


async def test_concurrent_approvals_one_winner(org):
    await org.put(SELF, json={"facts": FULL}, headers=STAFF)
    await org.post(SELF + "/submit", headers=STAFF)
    rs = await asyncio.gather(
        *(org.post(SELF + "/approve", headers=HEAD) for _ in range(5)),
        *(org.post(SELF + "/return", json={"reason": "x"}, headers=HEAD) for _ in range(5)),
    )
    assert sorted(r.status_code for r in rs).count(200) == 1, [r.text for r in rs]
    audit = (await org.get(SELF + "/audit", headers=OFFICER_A)).json()["items"]
    assert len(audit) == 3
