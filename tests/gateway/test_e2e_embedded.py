"""The whole cycle through the gateway of the embedded run (every service in one process, SQLite):
a vendor uploads evidence and submits, the head approves, sync delivers to the fake CSDL, a Sở
assessor assesses externally and the officer recognises, and the dashboard shows it, with each
role's forbidden moves tried and refused."""

from __future__ import annotations

import asyncio
import importlib.util
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from services.gateway.admin.schemas import ClientCreate, UserCreate
from services.gateway.admin.service import AdminService
from services.run import embedded
from shared.principal import Role
from tests.scoring.test_engine_levels import FULL

pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("services.evidence.main", "services.sync.main")),
    reason="needs the evidence and sync services",
)
YEAR = "2024-2025"
CODE = "79100001"  # a demo school of Phòng Quận 1, not started in the demo
BASE = f"/api/v1/schools/{CODE}/assessments/{YEAR}"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PASSWORD = "e2e-password-1"


async def _setup(app: Any) -> str:
    async with app.state.session_factory() as s:
        svc = AdminService(s)
        for username, roles, scope in [
            ("head", [Role.SCHOOL_HEAD], {"schools": [CODE]}),
            ("so", [Role.OFFICER, Role.ASSESSOR], {"org_units": ["so-79"]}),
            ("other.head", [Role.SCHOOL_HEAD], {"schools": ["79200001"]}),
        ]:
            await svc.create_user(
                UserCreate(username=username, name=username, password=PASSWORD, roles=roles, **scope)
            )
        _, _, secret = await svc.create_client(
            ClientCreate(id="vendor-e2e", name="vendor", roles=[Role.VENDOR_CLIENT], schools=[CODE])
        )
        await s.commit()
    return secret


async def _login(gw: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await gw.post("/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _delivered(gw: httpx.AsyncClient, headers: dict[str, str], kind: str) -> dict[str, Any]:
    for _ in range(100):
        r = await gw.get(f"/api/v1/sync/schools/{CODE}/years/{YEAR}", headers=headers)
        assert r.status_code == 200, r.text
        done = [d for d in r.json()["deliveries"] if d["kind"] == kind and d["state"] == "delivered"]
        if done:
            return dict(done[0])
        await asyncio.sleep(0.2)
    raise AssertionError(f"no {kind} delivery: {r.text}")


async def test_full_cycle(demo_dir: Path):
    async with embedded(demo_dir) as e:
        assert e.services == ["evidence", "scoring", "sync"]
        secret = await _setup(e.gateway)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=e.gateway), base_url="http://gw"
        ) as gw:
            r = await gw.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "client_id": "vendor-e2e", "client_secret": secret},
            )
            vendor = {"Authorization": f"Bearer {r.json()['access_token']}"}
            head, so, other = [await _login(gw, u) for u in ("head", "so", "other.head")]

            r = await gw.post(
                f"/api/v1/schools/{CODE}/evidence",
                data={"school_year": YEAR, "title": "Kế hoạch", "kind": "plan", "items": ["1.1"]},
                files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
                headers=vendor,
            )
            assert r.status_code == 201, r.text
            evidence_id = r.json()["id"]
            r = await gw.get(f"/api/v1/evidence/{evidence_id}/content", headers=vendor)
            assert (r.status_code, r.content) == (200, PDF)
            r = await gw.get(f"/api/v1/evidence/{evidence_id}", headers=other)
            assert r.status_code == 404  # another school's head

            r = await gw.put(
                f"{BASE}/self", json={"facts": FULL, "evidence_ids": [evidence_id]}, headers=vendor
            )
            assert r.status_code == 201, r.text
            assert (await gw.post(f"{BASE}/self/submit", headers=vendor)).status_code == 200
            r = await gw.post(f"{BASE}/self/approve", headers=vendor)
            assert r.status_code in (403, 409)  # a vendor never approves
            assert (await gw.post(f"{BASE}/self/approve", headers=other)).status_code == 404
            r = await gw.post(f"{BASE}/self/approve", headers=head)
            assert (r.status_code, r.json()["state"]) == (200, "approved")

            delivery = await _delivered(gw, head, "self")
            assert delivery["receipt_id"]

            assert (await gw.post(f"{BASE}/self/request-external", headers=head)).status_code == 200
            assert (await gw.post(f"{BASE}/self/accept", headers=so)).status_code == 200
            r = await gw.put(f"{BASE}/external", json={"facts": FULL}, headers=so)
            assert r.status_code == 201, r.text
            assert (await gw.put(f"{BASE}/external", json={"facts": FULL}, headers=vendor)).status_code == 403
            assert (await gw.post(f"{BASE}/external/conclude", headers=so)).status_code == 200
            today = datetime.now(UTC).astimezone(timezone(timedelta(hours=7))).date().isoformat()
            decision = {"decision_number": "12/QĐ-SGDĐT", "decision_date": today}
            r = await gw.post(f"{BASE}/external/recognise", json=decision, headers=so)
            assert (r.status_code, r.json()["state"]) == (200, "recognised")
            await _delivered(gw, so, "external")

            # the Excel export channel, through the gateway: the recognised result and its receipt
            r = await gw.get(f"/api/v1/sync/exports/{YEAR}.xlsx", params={"kind": "external"}, headers=so)
            assert r.status_code == 200, r.text
            rows = list(load_workbook(io.BytesIO(r.content))["Kết quả"].iter_rows(values_only=True))
            mine = [dict(zip(rows[0], x, strict=True)) for x in rows[1:] if x[0] == CODE]
            assert [(x["Số quyết định công nhận"], x["Trạng thái gửi CSDL"]) for x in mine] == [
                ("12/QĐ-SGDĐT", "Đã ghi nhận")
            ]
            r = await gw.get(f"/api/v1/sync/exports/{YEAR}.xlsx", headers=other)
            assert CODE not in {
                x[0] for x in load_workbook(io.BytesIO(r.content))["Kết quả"].iter_rows(values_only=True)
            }

            q = """query($c: String!, $y: String!) {
              assessment(schoolCode: $c, year: $y) { selfAssessment { state }
                externalAssessment { state official } sideBySide { code selfPoints externalPoints } }
              summary(unitId: "phong-79-q1", year: $y) { externalStates { state count }
                timeliness { expected schools { schoolCode status } } }
              timeliness(year: $y, province: "79") { expected late onTime missing } }"""
            out = (
                await gw.post("/graphql", json={"query": q, "variables": {"c": CODE, "y": YEAR}}, headers=so)
            ).json()
            assert "errors" not in out, out
            a = out["data"]["assessment"]
            assert a["externalAssessment"] == {"state": "recognised", "official": True}
            assert a["sideBySide"]
            ext = {x["state"]: x["count"] for x in out["data"]["summary"]["externalStates"]}
            assert ext["recognised"] >= 1
            statuses = {s["schoolCode"]: s["status"] for s in out["data"]["summary"]["timeliness"]["schools"]}
            assert statuses[CODE] in {"on_time", "late"}
            t = out["data"]["timeliness"]
            assert t["expected"] == t["late"] + t["onTime"] + t["missing"] == 60
