"""The fake CSDL server: the contract, its fault injection and the counts that prove exactly-once."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from services.sync.csdl.client import CsdlClient, FinalError, RetryableError
from services.sync.csdl.contract import SUBMIT_PATH
from services.sync.fake_csdl.app import FakeCsdlSettings, create_app
from services.sync.fake_csdl.store import Faults
from tests.sync.factories import make_submission


@pytest.fixture
async def fake():
    app = create_app(FakeCsdlSettings(client_id="c", client_secret="s", seed=7))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://csdl") as http:
        yield app, http, CsdlClient(http, "c", "s", timeout=2.0)


async def set_faults(http: httpx.AsyncClient, **kw: object) -> None:
    r = await http.put("/admin/faults", json=Faults.model_validate(kw).model_dump())
    assert r.status_code == 200


async def counts(http: httpx.AsyncClient) -> dict[str, Any]:
    r: dict[str, Any] = (await http.get("/admin/counts")).json()
    return r


class TestContract:
    async def test_same_key_same_receipt_one_record(self, fake):
        _, http, c = fake
        sub = make_submission()
        r1 = await c.submit("key-00000001", sub)
        r2 = await c.submit("key-00000001", sub)
        assert r1.receipt_id == r2.receipt_id
        assert r2.replayed
        assert not r1.replayed
        n = await counts(http)
        assert n["records"] == 1
        assert n["requests_per_key"]["key-00000001"] == 2
        assert n["records_per_key"]["key-00000001"] == 1

    async def test_key_reused_for_other_body_is_409(self, fake):
        _, _, c = fake
        await c.submit("key-00000001", make_submission())
        with pytest.raises(FinalError) as e:
            await c.submit("key-00000001", make_submission(content="other"))
        assert e.value.status == 409

    async def test_missing_approval_is_422_with_pointer(self, fake):
        _, _, c = fake
        sub = make_submission().model_copy(update={"approval": None})
        with pytest.raises(FinalError) as e:
            await c.submit("key-00000001", sub)
        assert e.value.status == 422
        assert "/approval" in e.value.reason

    async def test_malformed_body_is_422(self, fake):
        _, http, c = fake
        tok = await c.token()
        r = await http.post(
            SUBMIT_PATH,
            json={"school_code": "x", "school_year": "2024-2026"},
            headers={"Authorization": f"Bearer {tok}", "Idempotency-Key": "key-00000001"},
        )
        assert r.status_code == 422
        pointers = {e["pointer"] for e in r.json()["validation_errors"]}
        assert "/school_year" in pointers
        assert "/school_code" in pointers

    async def test_lookup_returns_what_was_recorded(self, fake):
        _, _, c = fake
        sub = make_submission()
        r = await c.submit("key-00000001", sub)
        rec = await c.lookup(r.receipt_id)
        assert rec is not None
        assert rec.submission == sub
        assert await c.lookup("BN-NOPE") is None

    async def test_no_token_is_401_and_bad_credentials_refused(self, fake):
        _, http, _ = fake
        r = await http.post(SUBMIT_PATH, json={}, headers={"Idempotency-Key": "key-00000001"})
        assert r.status_code in (401, 422)
        bad = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": "c", "client_secret": "x"}
        )
        assert bad.status_code == 401

    async def test_expired_token_is_refreshed(self, fake):
        _, http, c = fake
        await c.submit("key-00000001", make_submission())
        await http.post("/admin/tokens/expire")
        await c.submit("key-00000002", make_submission(content="b"))
        assert c.token_fetches == 2


class TestFaults:
    async def test_5xx_records_nothing(self, fake):
        _, http, c = fake
        await set_faults(http, error_rate=1.0)
        with pytest.raises(RetryableError) as e:
            await c.submit("key-00000001", make_submission())
        assert e.value.status == 503
        assert (await counts(http))["records"] == 0

    async def test_429_carries_retry_after(self, fake):
        _, http, c = fake
        await set_faults(http, rate_limit_rate=1.0, retry_after_seconds=3)
        with pytest.raises(RetryableError) as e:
            await c.submit("key-00000001", make_submission())
        assert e.value.retry_after == 3.0

    async def test_commit_then_drop_then_replay_gives_the_receipt(self, fake):
        _, http, c = fake
        await set_faults(http, drop_after_commit_rate=1.0)
        with pytest.raises(RetryableError, match="transport"):
            await c.submit("key-00000001", make_submission())
        assert (await counts(http))["records"] == 1
        await set_faults(http)
        r = await c.submit("key-00000001", make_submission())
        assert r.replayed
        n = await counts(http)
        assert n["records"] == 1
        assert n["faults_injected"] == {"drop_after_commit": 1}

    async def test_hang_times_out_then_replay_finds_the_record(self, fake):
        _, http, _ = fake
        quick = CsdlClient(http, "c", "s", timeout=0.1)
        await set_faults(http, timeout_rate=1.0, timeout_seconds=0.3)
        with pytest.raises(RetryableError, match="timeout"):
            await quick.submit("key-00000001", make_submission())
        await set_faults(http)
        r = await quick.submit("key-00000001", make_submission())
        # the hung request was cancelled with the client here (in-process), so the retry records it
        assert (await counts(http))["records"] == 1
        assert r.receipt_id

    async def test_latency(self, fake):
        _, http, c = fake
        await set_faults(http, latency_ms=50)
        t0 = time.perf_counter()
        await c.submit("key-00000001", make_submission())
        assert time.perf_counter() - t0 >= 0.05

    async def test_reset_forgets_everything(self, fake):
        _, http, c = fake
        await c.submit("key-00000001", make_submission())
        await http.post("/admin/reset")
        assert (await counts(http))["records"] == 0
