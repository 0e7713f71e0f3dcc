"""The reference check the scoring service asks at write time: per reference ok, not_found (also
another school's), deleted or other_year; service principals only."""

from __future__ import annotations

import pytest

from shared.principal import Role
from tests.evidence.conftest import created
from tests.org import SERVICE, STAFF, who

pytestmark = pytest.mark.asyncio
URL = "/internal/v1/evidence/check"


async def test_states_per_reference(client):
    kept = (await created(client, STAFF))["id"]
    gone = (await created(client, STAFF, title="Khác"))["id"]
    assert (await client.delete(f"/api/v1/evidence/{gone}", headers=STAFF)).status_code == 204
    refs = [
        ("79701001", "2024-2025", kept),
        ("79701001", "2023-2024", kept),
        ("79701002", "2024-2025", kept),  # another school citing it
        ("79701001", "2024-2025", gone),
        ("79701001", "2024-2025", "ev-made-up"),
    ]
    body = {"refs": [{"school_code": c, "school_year": y, "evidence_id": i} for c, y, i in refs]}
    r = await client.post(URL, json=body, headers=SERVICE)
    assert r.status_code == 200, r.text
    assert r.json()["states"] == ["ok", "other_year", "not_found", "deleted", "not_found"]
    officer = who("officer", Role.OFFICER, all_orgs=True)
    assert (await client.post(URL, json=body, headers=officer)).status_code == 403
