"""End to end through the gateway: a vendor writes and submits, is refused elsewhere and cannot
approve; the head approves; an officer sees it on the dashboard; the embedded run starts."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

import httpx

from services.gateway.demo import MARKER, mark_seeded, seeded
from services.run import banner, embedded
from shared.principal import Role
from tests.gateway.conftest import add_client, add_user, client_token, login
from tests.scoring.test_engine_levels import FULL

SELF = "/api/v1/schools/{}/assessments/2024-2025/self"
SUMMARY = """{ summary(unitId: "phong-797-a", year: "2024-2025") {
  selfStates { state count } levels { kind group level count } } }"""


async def test_vendor_head_officer(gateway, gw, scoring):
    cid, secret = await add_client(gateway, "vendor-smas", Role.VENDOR_CLIENT, schools=["79701001"])
    await add_user(gateway, "head.79701001", Role.SCHOOL_HEAD, schools=["79701001"])
    await add_user(gateway, "officer.pa", Role.OFFICER, org_units=["phong-797-a"])
    vendor = await client_token(gw, cid, secret)

    r = await gw.put(SELF.format("79701001"), json={"facts": FULL}, headers=vendor)
    assert r.status_code == 201, r.text
    r = await gw.post(SELF.format("79701001") + "/submit", headers={**vendor, "Idempotency-Key": "k1"})
    assert (r.status_code, r.json()["state"]) == (200, "submitted")
    # forbidden moves: another school (404, explained), approving (a vendor never approves)
    r = await gw.put(SELF.format("79702001"), json={"facts": FULL}, headers=vendor)
    assert r.status_code == 404
    assert r.json()["scope"]["your_schools"] == ["79701001"]
    r = await gw.post(SELF.format("79701001") + "/approve", headers=vendor)
    assert r.status_code in (403, 409), r.text

    head = await login(gw, "head.79701001")
    r = await gw.post(SELF.format("79701001") + "/approve", headers=head)
    assert (r.status_code, r.json()["state"]) == (200, "approved")
    r = await gw.put(SELF.format("79701001"), json={"facts": {}}, headers=head)
    assert r.status_code == 409  # read-only once approved

    officer = await login(gw, "officer.pa")
    out = (await gw.post("/graphql", json={"query": SUMMARY}, headers=officer)).json()
    s = out["data"]["summary"]
    assert {"state": "approved", "count": 1} in s["selfStates"]
    assert {"kind": "self", "group": "1", "level": 3, "count": 1} in s["levels"]
    # the officer cannot approve for the school either
    r = await gw.post(SELF.format("79701001") + "/approve", headers=officer)
    assert r.status_code in (403, 409)


async def test_embedded_run_starts_with_a_demo_province(tmp_path: Path, monkeypatch):
    async with embedded(tmp_path / "data") as e:
        assert e.demo is not None
        assert e.demo.schools == 60
        assert "demo-vendor" in banner(8000, e)
        transport = httpx.ASGITransport(app=e.gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as gw:
            assert (await gw.get("/healthz")).json()["status"] == "ok"
            # one process listens for everything: metrics and readiness for administrators only
            assert (await gw.get("/metrics")).status_code == 401
            assert (await gw.get("/readyz")).status_code == 401
            # the demo's password is this data directory's own, not one published in the repository
            assert len(e.demo.password) >= 16
            assert e.demo.password in banner(8000, e)
            assert e.demo.client_secret in banner(8000, e)
            bad = await gw.post("/auth/login", json={"username": "admin", "password": "demo-password"})
            assert bad.status_code == 401
            r = await gw.post("/auth/login", json={"username": "so.officer", "password": e.demo.password})
            token = {"Authorization": f"Bearer {r.json()['access_token']}"}
            q = '{ summary(unitId: "so-79", year: "2024-2025") { schools selfStates { state count } } }'
            s = (await gw.post("/graphql", json={"query": q}, headers=token)).json()["data"]["summary"]
            assert s["schools"] == 60
            states = {x["state"] for x in s["selfStates"]}
            assert {"not_started", "draft", "submitted", "approved", "accepted"} <= states
            q = '{ summary(unitId: "so-79", year: "2024-2025") { externalStates { state count } } }'
            ext = (await gw.post("/graphql", json={"query": q}, headers=token)).json()["data"]["summary"]
            assert {"in_progress", "concluded", "recognised"} <= {x["state"] for x in ext["externalStates"]}
    assert (tmp_path / "data" / "secrets.json").stat().st_mode & 0o077 == 0  # generated, owner only

    async def no_second_seeding(*_: object) -> list[str]:
        raise AssertionError("a restart on a seeded data directory must not seed again")

    monkeypatch.setattr("services.run.seed_scoring", no_second_seeding)
    async with embedded(tmp_path / "data") as e:  # a restart finds the demo and keeps it
        assert e.demo is not None
        assert e.demo.schools == 60
        transport = httpx.ASGITransport(app=e.gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as gw:
            # the same generated secrets: a token issued before the restart still works
            assert (await gw.get("/oauth/token_info", headers=token)).status_code == 200


class TestSeededMarker:
    """`seeded`: when a start may skip the demo's seeding (services/gateway/demo.py)."""

    SCHOOLS: ClassVar[list[str]] = ["79100001", "79100002"]

    def test_a_finished_seeding_is_believed(self, tmp_path: Path):
        mark_seeded(tmp_path, self.SCHOOLS)
        assert seeded(tmp_path, scoring_existed=True) == self.SCHOOLS

    def test_a_new_scoring_database_is_seeded_whatever_the_marker_says(self, tmp_path: Path):
        mark_seeded(tmp_path, self.SCHOOLS)
        assert seeded(tmp_path, scoring_existed=False) is None

    def test_no_marker_or_a_broken_one_means_seeding(self, tmp_path: Path):
        assert seeded(tmp_path, scoring_existed=True) is None
        (tmp_path / MARKER).write_text("{not json")
        assert seeded(tmp_path, scoring_existed=True) is None

    def test_a_changed_demo_is_seeded_again(self, tmp_path: Path):
        mark_seeded(tmp_path, self.SCHOOLS)
        mark = json.loads((tmp_path / MARKER).read_text())
        (tmp_path / MARKER).write_text(json.dumps(mark | {"fingerprint": "0" * 64}))
        assert seeded(tmp_path, scoring_existed=True) is None

    def test_reopening_extensions_are_renewed_a_month_before_they_lapse(self, tmp_path: Path):
        mark_seeded(tmp_path, self.SCHOOLS)
        mark = json.loads((tmp_path / MARKER).read_text())
        today = date.fromisoformat(mark["reopened_until"]) - timedelta(days=365)
        for days_left, believed in [(31, True), (30, False), (-1, False)]:
            until = (today + timedelta(days=days_left)).isoformat()
            (tmp_path / MARKER).write_text(json.dumps(mark | {"reopened_until": until}))
            assert (seeded(tmp_path, scoring_existed=True) is not None) is believed, days_left
