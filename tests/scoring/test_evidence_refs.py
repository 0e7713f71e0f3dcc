"""Evidence references checked at write time against the evidence service (a stand-in answering
its internal endpoint here; tests/gateway/test_workflow_rules.py runs the real one)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from services.scoring.assessments.evidence_refs import EvidenceRefs
from tests.conftest import SECRET
from tests.org import HEAD, STAFF, VENDOR
from tests.scoring.test_engine_levels import FULL

pytestmark = pytest.mark.asyncio
SELF = "/api/v1/schools/79701001/assessments/2024-2025/self"
KNOWN = {  # id → (school, year, deleted)
    "ev-ok": ("79701001", "2024-2025", False),
    "ev-gone": ("79701001", "2024-2025", True),
    "ev-old": ("79701001", "2023-2024", False),
    "ev-other": ("79702001", "2024-2025", False),
}


class FakeEvidence:
    def __init__(self) -> None:
        self.down = False
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.down:
            raise httpx.ConnectError("evidence is down")
        states = []
        for ref in json.loads(request.content)["refs"]:
            ev = KNOWN.get(ref["evidence_id"])
            if ev is None or ev[0] != ref["school_code"]:
                states.append("not_found")
            elif ev[2]:
                states.append("deleted")
            else:
                states.append("ok" if ev[1] == ref["school_year"] else "other_year")
        return httpx.Response(200, json={"states": states})


@pytest.fixture
async def evidence(app: Any, client: httpx.AsyncClient, province: None) -> FakeEvidence:
    fake = FakeEvidence()
    app.state.evidence_refs = EvidenceRefs(
        httpx.AsyncClient(transport=httpx.MockTransport(fake), base_url="http://ev"), SECRET
    )
    return fake


async def test_each_bad_reference_has_a_pointer(client, evidence):
    ids = ["ev-ok", "made-up", "ev-gone", "ev-old", "ev-other"]
    r = await client.put(SELF, json={"facts": FULL, "evidence_ids": ids}, headers=STAFF)
    assert r.status_code == 422, r.text
    assert [(e["pointer"], e["code"]) for e in r.json()["validation_errors"]] == [
        ("/evidence_ids/1", "evidence_not_found"),
        ("/evidence_ids/2", "evidence_deleted"),
        ("/evidence_ids/3", "evidence_other_year"),
        ("/evidence_ids/4", "evidence_not_found"),  # another school's: not revealed
    ]
    assert (await client.get(SELF, headers=HEAD)).status_code == 404
    r = await client.put(SELF, json={"facts": FULL, "evidence_ids": ["ev-ok"]}, headers=STAFF)
    assert r.status_code == 201


async def test_bulk_rows_are_checked_in_one_call(client, evidence):
    rows = [
        {"school_code": "79701001", "school_year": "2024-2025", "facts": FULL, "evidence_ids": ["ev-ok"]},
        {"school_code": "79701002", "school_year": "2024-2025", "facts": FULL, "evidence_ids": ["ev-ok"]},
    ]
    r = await client.post("/api/v1/bulk/assessments", json={"items": rows}, headers=VENDOR)
    res = r.json()["results"]
    assert [x["outcome"] for x in res] == ["created", "rejected"]
    assert res[1]["problem"]["validation_errors"][0]["pointer"] == "/items/1/evidence_ids/0"
    assert evidence.calls == 1


async def test_evidence_unreachable_is_503_and_writes_nothing(client, evidence):
    evidence.down = True
    r = await client.put(SELF, json={"facts": FULL, "evidence_ids": ["ev-ok"]}, headers=STAFF)
    assert (r.status_code, r.json()["code"]) == (503, "evidence_unavailable")
    assert (await client.get(SELF, headers=HEAD)).status_code == 404
    # citing no evidence needs no check
    assert (await client.put(SELF, json={"facts": FULL}, headers=STAFF)).status_code == 201
