"""The calendar as the scoring service reads it (`GET /internal/v1/deadlines`): service
principals only, the province's own dates when it set them."""

from __future__ import annotations

import httpx
import pytest

from shared.principal import Role
from tests.org import SERVICE, who

pytestmark = pytest.mark.asyncio
SO_OFFICER = who("officer-so", Role.OFFICER, units=("so-79",))
URL = "/internal/v1/deadlines"


async def test_service_only_and_province_dates(
    scoring_http: httpx.AsyncClient, client: httpx.AsyncClient, province: None
):
    params = {"school_year": "2024-2025", "province": "79"}
    assert (await client.get(URL, params=params, headers=SO_OFFICER)).status_code == 403
    r = await client.get(URL, params=params, headers=SERVICE)
    assert r.status_code == 200, r.text
    assert {d["kind"]: d["edit_lock_date"] for d in r.json()["deadlines"]} == {
        "self": "2025-05-31",
        "external": "2025-06-20",
    }
    body = {"on_time_deadline": "2025-05-25", "edit_lock_date": "2025-05-28"}
    r = await client.put("/api/v1/sync/deadlines/2024-2025/provinces/79/self", json=body, headers=SO_OFFICER)
    assert r.status_code == 200, r.text
    r = await client.get(URL, params=params, headers=SERVICE)
    assert {d["kind"]: d["edit_lock_date"] for d in r.json()["deadlines"]}["self"] == "2025-05-28"
