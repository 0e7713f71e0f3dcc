"""The calendar enforced where assessments are written: the school-year window, the edit lock
read from sync (here a stand-in answering its internal endpoint), the Sở's extensions, and a
clear 503 when the calendar cannot be read."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from services.scoring.assessments.calendar import Calendar, open_years, school_year_of
from services.scoring.assessments.rules import vn_today
from tests.conftest import SECRET
from tests.org import ADMIN, HEAD, OFFICER_A, SERVICE, SO_OFFICER, STAFF, VENDOR
from tests.scoring.test_engine_levels import FULL

pytestmark = pytest.mark.asyncio
SELF = "/api/v1/schools/79701001/assessments/2024-2025/self"
TODAY = vn_today()


class FakeSync:
    """Answers `GET /internal/v1/deadlines` with the edit lock set here (or fails)."""

    def __init__(self) -> None:
        self.lock = TODAY + timedelta(days=30)
        self.down = False
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.down:
            raise httpx.ConnectError("sync is down")
        assert request.url.path == "/internal/v1/deadlines"
        year = request.url.params["school_year"]
        deadlines = [
            {
                "kind": k,
                "school_year": year,
                "on_time_deadline": str(self.lock),
                "edit_lock_date": str(self.lock),
            }
            for k in ("self", "external")
        ]
        return httpx.Response(200, json={"school_year": year, "deadlines": deadlines})


@pytest.fixture
async def sync(app: Any, client: httpx.AsyncClient, province: None) -> FakeSync:
    fake = FakeSync()
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake), base_url="http://sync")
    app.state.calendar = Calendar(http, SECRET, ttl=0)
    return fake


async def test_open_years_turn_on_1_august():
    assert school_year_of(date(2026, 7, 31)) == "2025-2026"
    assert school_year_of(date(2026, 8, 1)) == "2026-2027"
    assert open_years(["current", "next"], date(2026, 12, 2)) == ["2026-2027", "2027-2028"]
    assert open_years(["previous", "2024-2025"], date(2026, 12, 2)) == ["2024-2025", "2025-2026"]


async def test_school_years_outside_the_window_are_refused(client, sync):
    for year in ("2030-2031", "2019-2020"):
        r = await client.put(
            f"/api/v1/schools/79701001/assessments/{year}/self", json={"facts": FULL}, headers=STAFF
        )
        assert r.status_code == 422, r.text
        assert r.json()["validation_errors"][0] == {
            "pointer": "/path/year",
            "code": "school_year_not_open",
            "message": r.json()["validation_errors"][0]["message"],
        }
        assert year not in r.json()["open_school_years"]
    current = school_year_of(TODAY)
    r = await client.put(
        f"/api/v1/schools/79701001/assessments/{current}/self", json={"facts": FULL}, headers=STAFF
    )
    assert r.status_code == 201, r.text


async def test_past_the_edit_lock_writes_and_submissions_are_refused(client, sync):
    assert (await client.put(SELF, json={"facts": FULL}, headers=STAFF)).status_code == 201
    sync.lock = TODAY  # I-9: the lock day itself is still open
    body = {"facts": {**FULL, "1.4.1": {"count": 3}}}
    assert (await client.put(SELF, json=body, headers={**STAFF, "If-Match": '"1"'})).status_code == 200
    sync.lock = TODAY - timedelta(days=1)
    r = await client.put(SELF, json={"facts": FULL}, headers={**STAFF, "If-Match": '"2"'})
    body = r.json()
    assert (r.status_code, body["code"], body["lock_date"]) == (409, "edit_locked", str(sync.lock))
    assert "extensions" in body["reopen_by"]
    r = await client.post(SELF + "/submit", headers=STAFF)
    assert (r.status_code, r.json()["code"]) == (409, "edit_locked")
    r = await client.post(
        "/api/v1/bulk/assessments",
        json={"items": [{"school_code": "79701001", "school_year": "2024-2025", "facts": FULL}]},
        headers=VENDOR,
    )
    assert r.json()["results"][0]["problem"]["code"] == "edit_locked"
    assert (await client.get(SELF, headers=HEAD)).json()["version"] == 2


async def test_only_the_province_so_reopens_with_reason_and_end_date(client, sync):
    await client.put(SELF, json={"facts": FULL}, headers=STAFF)
    sync.lock = TODAY - timedelta(days=1)
    until = str(TODAY + timedelta(days=10))
    url = SELF + "/extensions"
    for who in (OFFICER_A, HEAD, ADMIN):  # a Phòng officer, the school, an admin
        assert (await client.post(url, json={"reason": "x", "until": until}, headers=who)).status_code == 403
    for bad in ({"reason": " ", "until": until}, {"reason": "x", "until": str(TODAY - timedelta(days=1))}):
        assert (await client.post(url, json=bad, headers=SO_OFFICER)).status_code == 422
    r = await client.post(url, json={"reason": "Trường bị ngập lụt", "until": until}, headers=SO_OFFICER)
    assert r.status_code == 201, r.text
    body = {"facts": FULL, "evidence_ids": []}
    assert (await client.put(SELF, json=body, headers={**STAFF, "If-Match": '"1"'})).status_code == 200
    assert (await client.post(SELF + "/submit", headers=STAFF)).status_code == 200
    audit = (await client.get(SELF + "/audit", headers=HEAD)).json()["items"]
    ext = [a for a in audit if a["action"] == "extension"]
    assert ext[0]["actor"] == "officer-so"
    assert "Trường bị ngập lụt" in ext[0]["reason"]
    evs = (await client.get("/internal/v1/events", headers=SERVICE)).json()["events"]
    assert [e["payload"]["until"] for e in evs if e["type"] == "assessment.reopened"] == [until]
    listing = (await client.get(url, headers=HEAD)).json()["items"]
    assert [(x["granted_by"], str(x["until"])) for x in listing] == [("officer-so", until)]


async def test_calendar_unreachable_is_503_and_writes_nothing(client, sync):
    sync.down = True
    r = await client.put(SELF, json={"facts": FULL}, headers=STAFF)
    assert (r.status_code, r.json()["code"]) == (503, "calendar_unavailable")
    assert (await client.get(SELF, headers=HEAD)).status_code == 404


async def test_the_so_revokes_an_extension_with_reason_and_the_lock_holds_again(client, sync):
    assert (await client.put(SELF, json={"facts": FULL}, headers=STAFF)).status_code == 201
    sync.lock = TODAY - timedelta(days=1)
    url = SELF + "/extensions"
    until = str(TODAY + timedelta(days=10))
    ext = (await client.post(url, json={"reason": "Ngập lụt", "until": until}, headers=SO_OFFICER)).json()
    body = {"facts": {**FULL, "1.4.1": {"count": 3}}}
    assert (await client.put(SELF, json=body, headers={**STAFF, "If-Match": '"1"'})).status_code == 200
    revoke = f"{url}/{ext['id']}/revoke"
    for who in (OFFICER_A, HEAD, ADMIN):  # a Phòng officer, the school, an admin
        assert (await client.post(revoke, json={"reason": "x"}, headers=who)).status_code == 403
    r = await client.post(revoke, json={"reason": " "}, headers=SO_OFFICER)
    assert (r.status_code, r.json()["validation_errors"][0]["pointer"]) == (422, "/reason")
    assert (
        await client.post(f"{url}/99999/revoke", json={"reason": "x"}, headers=SO_OFFICER)
    ).status_code == 404
    other = "/api/v1/schools/79701001/assessments/2024-2025/external/extensions"
    r = await client.post(f"{other}/{ext['id']}/revoke", json={"reason": "x"}, headers=SO_OFFICER)
    assert r.status_code == 404  # the id of another kind's grant
    r = await client.post(revoke, json={"reason": "Đã khắc phục xong"}, headers=SO_OFFICER)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["revoked_by"], got["revoke_reason"], got["until"]) == (
        "officer-so",
        "Đã khắc phục xong",
        until,
    )
    assert got["revoked_at"]
    # locked again at once, for PUT, submission and bulk alike
    r = await client.put(SELF, json={"facts": FULL}, headers={**STAFF, "If-Match": '"2"'})
    assert (r.status_code, r.json()["code"]) == (409, "edit_locked")
    assert (await client.post(SELF + "/submit", headers=STAFF)).json()["code"] == "edit_locked"
    r = await client.post(
        "/api/v1/bulk/assessments",
        json={"items": [{"school_code": "79701001", "school_year": "2024-2025", "facts": FULL}]},
        headers=VENDOR,
    )
    assert r.json()["results"][0]["problem"]["code"] == "edit_locked"
    again = await client.post(revoke, json={"reason": "lần nữa"}, headers=SO_OFFICER)
    assert (again.status_code, again.json()["code"]) == (409, "extension_not_running")
    audit = (await client.get(SELF + "/audit", headers=HEAD)).json()["items"]
    (entry,) = [a for a in audit if a["action"] == "extension_revoked"]
    assert (entry["actor"], entry["reason"]) == ("officer-so", "Ngập lụt → Đã khắc phục xong")
    listing = (await client.get(url, headers=HEAD)).json()["items"]
    assert [(x["id"], x["revoke_reason"]) for x in listing] == [(ext["id"], "Đã khắc phục xong")]
