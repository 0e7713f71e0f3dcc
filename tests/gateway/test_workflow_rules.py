"""The workflow's rules through the gateway of the embedded run (every service in one process):
each answer is what a school, a Phòng/Sở officer or a vendor gets over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.gateway.admin.schemas import UserCreate
from services.gateway.admin.service import AdminService
from services.run import embedded
from services.sync.deadlines.calendar import VN_TZ
from shared.principal import Role
from tests.scoring.test_engine_levels import FULL

YEAR = "2024-2025"
CODE = "79100001"  # a demo school of Phòng Quận 1, not started in the demo
BASE = f"/api/v1/schools/{CODE}/assessments/{YEAR}"
PASSWORD = "rules-password-1"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
NEW = "79100099"  # a school added by the test: no demo extension


def today() -> str:
    return datetime.now(VN_TZ).date().isoformat()


async def _users(app: Any) -> None:
    async with app.state.session_factory() as s:
        svc = AdminService(s)
        people: list[tuple[str, list[Role], dict[str, Any]]] = [
            ("head", [Role.SCHOOL_HEAD], {"schools": [CODE]}),
            ("staff", [Role.SCHOOL_STAFF], {"schools": [CODE]}),
            ("so", [Role.OFFICER, Role.ASSESSOR], {"org_units": ["so-79"]}),
            ("root", [Role.ADMIN], {"all_orgs": True}),
            ("staff.new", [Role.SCHOOL_STAFF], {"schools": [NEW]}),
            ("staff.b", [Role.SCHOOL_STAFF], {"schools": ["79100002"]}),
        ]
        for username, roles, scope in people:
            await svc.create_user(
                UserCreate(username=username, name=username, password=PASSWORD, roles=roles, **scope)
            )
        await s.commit()


@pytest.fixture
async def gw(demo_dir: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, dict[str, str]]]]:
    async with embedded(demo_dir) as e:
        await _users(e.gateway)
        transport = httpx.ASGITransport(app=e.gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            who = {}
            for u in ("head", "staff", "so", "root", "staff.new", "staff.b"):
                r = await c.post("/auth/login", json={"username": u, "password": PASSWORD})
                who[u] = {"Authorization": f"Bearer {r.json()['access_token']}"}
            yield c, who


async def _approved(c: httpx.AsyncClient, who: dict[str, dict[str, str]]) -> None:
    assert (await c.put(f"{BASE}/self", json={"facts": FULL}, headers=who["staff"])).status_code == 201
    assert (await c.post(f"{BASE}/self/submit", headers=who["staff"])).status_code == 200
    assert (await c.post(f"{BASE}/self/approve", headers=who["head"])).status_code == 200


async def test_returns_name_existing_items(gw):
    c, who = gw
    await _approved(c, who)
    r = await c.post(
        f"{BASE}/self/return", json={"reason": "Bổ sung", "item_comments": {"9.9.9": "?"}}, headers=who["so"]
    )
    assert (r.status_code, r.json()["validation_errors"][0]["pointer"]) == (422, "/item_comments/9.9.9")
    r = await c.post(f"{BASE}/self/return", json={"reason": "Bổ sung"}, headers=who["so"])
    assert (r.status_code, r.json()["validation_errors"][0]["code"]) == (422, "items_required")
    r = await c.post(
        f"{BASE}/self/return",
        json={"reason": "Bổ sung", "item_comments": {"1.4.1": "Thiếu"}},
        headers=who["so"],
    )
    assert (r.status_code, r.json()["open_items"]) == (200, ["1.4.1"])
    etag = (await c.get(f"{BASE}/self", headers=who["staff"])).headers["etag"]
    body = {"facts": {**FULL, "1.4.1": {"count": 20}}}
    r = await c.put(f"{BASE}/self", json=body, headers={**who["staff"], "If-Match": etag})
    assert r.status_code == 200, r.text


async def test_a_client_cannot_be_registered_with_a_persons_role(gw):
    c, who = gw
    body = {"id": "vendor-head", "name": "x", "roles": ["vendor_client", "school_head"], "schools": [CODE]}
    r = await c.post("/admin/v1/clients", json=body, headers=who["root"])
    assert (r.status_code, r.json()["validation_errors"][0]["code"]) == (422, "person_role_for_client")
    body["roles"] = ["vendor_client"]
    assert (await c.post("/admin/v1/clients", json=body, headers=who["root"])).status_code == 201
    r = await c.patch("/admin/v1/clients/vendor-head", json={"roles": ["officer"]}, headers=who["root"])
    assert r.status_code == 422


async def test_permissions_come_from_one_table(gw):
    c, who = gw
    await _approved(c, who)
    for h in (who["head"], who["so"], who["staff"]):
        perms = (await c.get(f"{BASE}/self", headers=h)).json()["permissions"]
        acts = set(perms.pop("allowed_actions"))
        assert {k[4:].replace("_", "-") for k, v in perms.items() if v} == acts


async def test_recognition_is_validated_and_batched(gw):
    c, who = gw
    await _approved(c, who)
    for method, path, h in [
        ("POST", "/self/request-external", "head"),
        ("POST", "/self/accept", "so"),
        ("PUT", "/external", "so"),
        ("POST", "/external/conclude", "so"),
    ]:
        r = await c.request(
            method, BASE + path, json={"facts": FULL} if method == "PUT" else None, headers=who[h]
        )
        assert r.status_code < 300, r.text
    tomorrow = (datetime.now(VN_TZ).date() + timedelta(days=1)).isoformat()
    for body, code in [
        ({"decision_number": " ", "decision_date": today()}, "decision_number_format"),
        ({"decision_number": "45/QĐ-SGDĐT", "decision_date": tomorrow}, "decision_date_future"),
        ({"decision_number": "45/QĐ-SGDĐT", "decision_date": "2025-06-15"}, "decision_before_conclusion"),
    ]:
        r = await c.post(f"{BASE}/external/recognise", json=body, headers=who["so"])
        assert (r.status_code, r.json()["validation_errors"][0]["code"]) == (422, code)
    batch = {"school_year": YEAR, "decision_number": "45/QĐ-SGDĐT", "decision_date": today()}
    r = await c.post(
        "/api/v1/bulk/recognitions", json={**batch, "schools": [CODE, "79100002"]}, headers=who["so"]
    )
    assert (r.status_code, [p["index"] for p in r.json()["problems"]]) == (422, [1])
    r = await c.post("/api/v1/bulk/recognitions", json={**batch, "schools": [CODE]}, headers=who["so"])
    assert (r.status_code, r.json()["recognised"][0]["school_code"]) == (200, CODE)


async def test_edit_lock_window_and_the_sos_extension(gw):
    c, who = gw
    school = {"code": NEW, "name": "Trường mới", "levels": ["TH"], "managing_unit_id": "phong-79-q1",
              "province_code": "79", "opened_on": "2010-09-05"}  # fmt: skip
    assert (await c.post("/api/v1/org/schools", json=school, headers=who["root"])).status_code == 201
    url = f"/api/v1/schools/{NEW}/assessments/{YEAR}/self"
    r = await c.put(url, json={"facts": FULL}, headers=who["staff.new"])
    # the national lock of 2024-2025 (31/5/2025), read from sync's calendar
    assert (r.status_code, r.json()["code"], r.json()["lock_date"]) == (409, "edit_locked", "2025-05-31")
    r = await c.put(
        f"/api/v1/schools/{NEW}/assessments/2031-2032/self", json={"facts": FULL}, headers=who["staff.new"]
    )
    assert (r.status_code, r.json()["validation_errors"][0]["code"]) == (422, "school_year_not_open")
    until = (datetime.now(VN_TZ).date() + timedelta(days=7)).isoformat()
    ext = {"reason": "Trường mới thành lập", "until": until}
    assert (await c.post(f"{url}/extensions", json=ext, headers=who["head"])).status_code == 404
    assert (await c.post(f"{url}/extensions", json=ext, headers=who["so"])).status_code == 201
    assert (await c.put(url, json={"facts": FULL}, headers=who["staff.new"])).status_code == 201
    assert (await c.post(f"{url}/submit", headers=who["staff.new"])).status_code == 200


async def _upload(c: httpx.AsyncClient, h: dict[str, str], code: str) -> str:
    r = await c.post(
        f"/api/v1/schools/{code}/evidence",
        data={"school_year": YEAR, "title": "Kế hoạch", "kind": "plan", "items": ["1.1"]},
        files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
        headers=h,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_evidence_references_are_checked_at_write_time(gw):
    c, who = gw
    mine = await _upload(c, who["staff"], CODE)
    other = await _upload(c, who["staff.b"], "79100002")
    body = {"facts": FULL, "evidence_ids": [mine, "ev-made-up", other]}
    r = await c.put(f"{BASE}/self", json=body, headers=who["staff"])
    assert r.status_code == 422, r.text
    assert [(e["pointer"], e["code"]) for e in r.json()["validation_errors"]] == [
        ("/evidence_ids/1", "evidence_not_found"),
        ("/evidence_ids/2", "evidence_not_found"),
    ]
    assert (await c.delete(f"/api/v1/evidence/{mine}", headers=who["staff"])).status_code == 204
    r = await c.put(f"{BASE}/self", json={"facts": FULL, "evidence_ids": [mine]}, headers=who["staff"])
    assert (r.status_code, r.json()["validation_errors"][0]["code"]) == (422, "evidence_deleted")
    fresh = await _upload(c, who["staff"], CODE)
    r = await c.put(f"{BASE}/self", json={"facts": FULL, "evidence_ids": [fresh]}, headers=who["staff"])
    assert r.status_code == 201, r.text


async def test_information_the_index_asks_for_is_required_at_submission(gw):
    c, who = gw
    draft = {**FULL, "2.1": {"met": True}, "sms": {"deployed": True, "name": "SMAS"}}
    assert (await c.put(f"{BASE}/self", json={"facts": draft}, headers=who["staff"])).status_code == 201
    r = await c.post(f"{BASE}/self/submit", headers=who["staff"])
    assert (r.status_code, r.json()["code"]) == (422, "incomplete_for_submission")
    assert [e["pointer"] for e in r.json()["validation_errors"]] == [
        "/facts/2.1/members",
        "/facts/sms/acquisition",
    ]
    etag = (await c.get(f"{BASE}/self", headers=who["staff"])).headers["etag"]
    r = await c.put(f"{BASE}/self", json={"facts": FULL}, headers={**who["staff"], "If-Match": etag})
    assert r.status_code == 200
    assert (await c.post(f"{BASE}/self/submit", headers=who["staff"])).status_code == 200


async def test_bulk_submits_per_row_and_answers_each_rows_score(gw):
    c, who = gw
    rows = [{"school_code": CODE, "school_year": YEAR, "facts": FULL, "submit": True}]
    r = await c.post("/api/v1/bulk/assessments", json={"items": rows}, headers=who["staff"])
    (res,) = r.json()["results"]
    assert (res["outcome"], res["state"], res["score"]["groups"][0]["level"]) == ("created", "submitted", 3)
    assert (await c.post(f"{BASE}/self/approve", headers=who["head"])).status_code == 200
