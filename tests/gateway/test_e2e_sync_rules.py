"""The sync rules through the gateway of the embedded run (every service in one process): a
province's calendar is bounded by the Ministry's, malformed filters are 4xx, and a vendor client
that loses a school stops receiving its webhooks (the embedded run wires the grant look-up)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from services.gateway.admin.schemas import ClientCreate, UserCreate
from services.gateway.admin.service import AdminService
from services.run import embedded
from shared.principal import Role
from tests.scoring.test_engine_levels import FULL

CODE = "79100001"  # a demo school of Phòng Quận 1, not started in the demo
PASSWORD = "e2e-password-1"
NOW = datetime.now(UTC)
FIRST = NOW.year if NOW.month >= 9 else NOW.year - 1
YEAR = f"{FIRST}-{FIRST + 1}"  # the current school year: writes to it are open


async def _setup(app: Any) -> str:
    async with app.state.session_factory() as s:
        svc = AdminService(s)
        people: list[tuple[str, list[Role], dict[str, Any]]] = [
            ("root", [Role.ADMIN], {"all_orgs": True}),
            ("head", [Role.SCHOOL_HEAD], {"schools": [CODE]}),
            ("so", [Role.OFFICER], {"org_units": ["so-79"]}),
        ]
        for username, roles, scope in people:
            await svc.create_user(
                UserCreate(username=username, name=username, password=PASSWORD, roles=roles, **scope)
            )
        _, _, secret = await svc.create_client(
            ClientCreate(
                id="vendor-e2e", name="vendor", roles=[Role.VENDOR_CLIENT], schools=[CODE, "79200001"]
            )
        )
        await s.commit()
    return secret


async def _login(gw: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await gw.post("/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _client_token(gw: httpx.AsyncClient, secret: str) -> dict[str, str]:
    r = await gw.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "vendor-e2e", "client_secret": secret},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_sync_rules_through_the_gateway(demo_dir: Path):
    async with embedded(demo_dir) as e:
        secret = await _setup(e.gateway)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=e.gateway), base_url="http://gw"
        ) as gw:
            root, head, so = [await _login(gw, u) for u in ("root", "head", "so")]
            vendor = await _client_token(gw, secret)

            # the calendar: never later than the Ministry, dates within the school year
            url = f"/api/v1/sync/deadlines/{YEAR}/provinces/79/self"
            r = await gw.put(url, json={"on_time_deadline": f"{FIRST + 1}-06-01"}, headers=so)
            assert (r.status_code, r.json()["validation_errors"][0]["code"]) == (
                422,
                "deadline_after_national",
            )
            for day in ("9999-12-31", "0001-01-01"):
                r = await gw.put(url, json={"on_time_deadline": day}, headers=so)
                assert r.status_code == 422, r.text
                assert r.json()["validation_errors"][0]["pointer"] == "/on_time_deadline"
            r = await gw.put(url, json={"on_time_deadline": f"{FIRST + 1}-05-20"}, headers=so)
            assert r.status_code == 200, r.text
            r = await gw.get(f"/api/v1/sync/exports/{YEAR}.xlsx", params={"province": "\x18"}, headers=so)
            assert r.status_code == 422, r.text

            # a vendor subscribed to the workflow of its school, then loses the school
            body = {
                "url": "https://vendor.example/hook",
                "events": ["assessment.submitted"],
                "schools": [CODE],
            }
            r = await gw.post("/api/v1/sync/webhooks", json=body, headers=vendor)
            assert r.status_code == 201, r.text
            sub_id = r.json()["id"]
            r = await gw.patch("/admin/v1/clients/vendor-e2e", json={"schools": ["79200001"]}, headers=root)
            assert r.status_code == 200, r.text
            vendor = await _client_token(gw, secret)  # the change revoked its earlier tokens

            base = f"/api/v1/schools/{CODE}/assessments/{YEAR}/self"
            r = await gw.put(base, json={"facts": FULL, "evidence_ids": []}, headers=head)
            assert r.status_code == 201, r.text
            assert (await gw.post(f"{base}/submit", headers=head)).status_code == 200
            log: list[dict[str, Any]] = []
            for _ in range(100):
                log = (await gw.get(f"/api/v1/sync/webhooks/{sub_id}/deliveries", headers=vendor)).json()[
                    "items"
                ]
                if log and log[0]["state"] not in ("pending", "sending"):
                    break
                await asyncio.sleep(0.1)
            assert [(x["event"], x["state"]) for x in log] == [("assessment.submitted", "dropped")]
            assert log[0]["last_error"].startswith("out_of_scope")
