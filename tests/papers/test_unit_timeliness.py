"""The unit's own assessment reads "share delivered on time" from sync, in the embedded topology:
a school of Phòng Quận 1 submits this school year's self-assessment, its head approves it, sync
delivers it to the fake CSDL before the deadline, and the Phòng's indicator counts it."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.db import utcnow
from shared.schedule import SCHEDULE_TZ
from tests.scoring.test_engine_levels import FULL

CODE = "79100011"  # not started in the demo


def current_year() -> str:
    day = utcnow().astimezone(SCHEDULE_TZ).date()
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"


async def test_share_on_time_counts_what_sync_received_on_time(demo: dict[str, Any]) -> None:
    gw, year = demo["gw"], current_year()
    base = f"/api/v1/schools/{CODE}/assessments/{year}/self"
    url = "/api/v1/insights/units/phong-79-q1/unit-assessment"

    async def on_time() -> dict[str, Any]:
        r = await gw.get(url, params={"year": year}, headers=demo["so.officer"])
        assert r.status_code == 200, r.text
        return next(i for i in r.json()["indicators"] if i["item"] == "1.2.2")

    before = await on_time()
    assert (before["available"], before["numerator"], before["denominator"]) == (True, 0, 14)
    r = await gw.put(base, json={"facts": FULL}, headers=demo["staff.new"])
    assert r.status_code == 201, r.text
    r = await gw.post(f"{base}/submit", headers={**demo["staff.new"], "If-Match": r.headers["etag"]})
    assert r.status_code == 200, r.text
    r = await gw.post(f"{base}/approve", headers={**demo["head.new"], "If-Match": r.headers["etag"]})
    assert r.status_code == 200, r.text
    for _ in range(100):  # the delivery to the fake CSDL runs in the background
        t = await gw.get(
            "/api/v1/sync/timeliness",
            params={"school_year": year, "province": "79"},
            headers=demo["so.officer"],
        )
        statuses = {s["school_code"]: s["status"] for s in t.json()["items"]}
        if statuses.get(CODE) != "missing":
            break
        await asyncio.sleep(0.1)
    assert statuses[CODE] == "on_time"
    after = await on_time()
    assert (after["available"], after["numerator"], after["denominator"]) == (True, 1, 14)
