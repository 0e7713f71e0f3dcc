"""Reads of a school's data follow the caller's scope now: after a school moves, its old office no
longer reads its points (export, timeliness, at-risk) and its new one does; figures as of a
deadline say so (the expected set is the registry on the deadline day)."""

from __future__ import annotations

import httpx
import pytest

from shared.principal import Role
from tests.org import who
from tests.sync.factories import make_snapshot
from tests.sync.test_api import ADMIN, OFFICER_A, YEAR, emit, pump
from tests.sync.test_exports import sheet

OFFICER_B = who("officer-pb", Role.OFFICER, units=("phong-797-b",))
EXPORT = f"/api/v1/sync/exports/{YEAR}.xlsx"


@pytest.fixture
async def moved(
    scoring_http: httpx.AsyncClient, client: httpx.AsyncClient, sync_app, scoring_app, province: None
) -> httpx.AsyncClient:
    """79701002 delivered for 2024-2025 under Phòng A, then moved to Phòng B after the deadline."""
    await emit(scoring_app, make_snapshot(school_code="79701002"))
    await pump(sync_app)
    r = await scoring_http.post(
        "/api/v1/org/schools/79701002/move",
        json={"managing_unit_id": "phong-797-b", "on": "2025-09-01"},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    return client


class TestScopeNow:
    async def test_export_follows_the_move(self, moved):
        old = await moved.get(EXPORT, headers=OFFICER_A)
        new = await moved.get(EXPORT, headers=OFFICER_B)
        assert (old.status_code, new.status_code) == (200, 200)
        assert [r["Mã trường"] for r in sheet(old.content)] == []
        assert [r["Mã trường"] for r in sheet(new.content)] == ["79701002"]
        assert new.headers["X-Chiso-Scope-As-Of"]

    async def test_timeliness_follows_the_move_and_says_its_dates(self, moved):
        params = {"school_year": YEAR, "kind": "self"}
        old = (await moved.get("/api/v1/sync/timeliness", params=params, headers=OFFICER_A)).json()
        new = (await moved.get("/api/v1/sync/timeliness", params=params, headers=OFFICER_B)).json()
        assert "79701002" not in {s["school_code"] for s in old["items"]}
        assert "79701002" in {s["school_code"] for s in new["items"]}
        assert new["expected_as_of"] == "2025-05-31"  # who was expected: the registry on that day
        assert new["scope_as_of"] > "2025-09-01"  # who may read it: the caller's scope today

    async def test_at_risk_follows_the_move(self, moved, scoring_http):
        # 79701001 has not reported and moves to Phòng B after the deadline too
        r = await scoring_http.post(
            "/api/v1/org/schools/79701001/move",
            json={"managing_unit_id": "phong-797-b", "on": "2025-09-01"},
            headers=ADMIN,
        )
        assert r.status_code == 200, r.text
        params = {"school_year": YEAR, "kind": "self", "as_of": "2025-05-25"}
        old = (await moved.get("/api/v1/sync/at-risk", params=params, headers=OFFICER_A)).json()
        new = (await moved.get("/api/v1/sync/at-risk", params=params, headers=OFFICER_B)).json()
        assert old["items"] == []
        assert {s["school_code"] for s in new["items"]} == {"79701001", "79702001"}
        assert new["expected_as_of"] == "2025-05-31"

    async def test_a_school_closed_since_is_read_by_its_last_office(self, moved, scoring_http):
        r = await scoring_http.post(
            "/api/v1/org/schools/79701002/close", json={"on": "2025-10-01"}, headers=ADMIN
        )
        assert r.status_code == 200, r.text
        params = {"school_year": YEAR, "kind": "self"}
        new = (await moved.get("/api/v1/sync/timeliness", params=params, headers=OFFICER_B)).json()
        row = {s["school_code"]: s for s in new["items"]}["79701002"]
        assert row["status"] == "late"  # the fake recorded it today, long after 31 May 2025
        old = (await moved.get("/api/v1/sync/timeliness", params=params, headers=OFFICER_A)).json()
        assert "79701002" not in {s["school_code"] for s in old["items"]}
