"""The CSDL adapter against respx: every response class of the contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from services.sync.csdl.client import CsdlClient, FinalError, RetryableError, parse_retry_after
from services.sync.csdl.contract import SUBMIT_PATH, TOKEN_PATH
from tests.sync.factories import make_submission

BASE = "https://csdl.test"
RECEIPT = {"receipt_id": "BN-1", "recorded_at": "2025-05-20T01:02:03Z", "replayed": False}
TOKEN = {"access_token": "t1", "token_type": "bearer", "expires_in": 3600}


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def client():
    async with httpx.AsyncClient(base_url=BASE) as http:
        yield CsdlClient(http, "id", "secret", timeout=0.5, clock=Clock())


@pytest.fixture
def mock():
    with respx.mock(base_url=BASE, assert_all_called=False) as m:
        m.post(TOKEN_PATH).respond(200, json=TOKEN)
        yield m


def problem(status: int, code: str, **extra: object) -> dict[str, object]:
    return {"type": "x", "title": "t", "status": status, "code": code, **extra}


class TestSubmit:
    async def test_201_gives_the_receipt_and_sends_key_and_token(self, client, mock):
        route = mock.post(SUBMIT_PATH).respond(201, json=RECEIPT)
        r = await client.submit("key-00000001", make_submission())
        assert r.receipt_id == "BN-1"
        assert not r.replayed
        req = route.calls.last.request
        assert req.headers["Idempotency-Key"] == "key-00000001"
        assert req.headers["Authorization"] == "Bearer t1"

    async def test_replayed_201_is_the_same_receipt(self, client, mock):
        mock.post(SUBMIT_PATH).respond(201, json=RECEIPT, headers={"Idempotent-Replayed": "true"})
        r = await client.submit("key-00000001", make_submission())
        assert r.receipt_id == "BN-1"
        assert r.replayed

    async def test_409_key_reused_is_final(self, client, mock):
        mock.post(SUBMIT_PATH).respond(409, json=problem(409, "idempotency_key_reused"))
        with pytest.raises(FinalError) as e:
            await client.submit("key-00000001", make_submission())
        assert e.value.status == 409
        assert "idempotency_key_reused" in e.value.reason

    async def test_422_is_final_with_field_paths(self, client, mock):
        body = problem(
            422,
            "validation_failed",
            validation_errors=[{"pointer": "/approval", "code": "approval_required", "message": {}}],
        )
        mock.post(SUBMIT_PATH).respond(422, json=body)
        with pytest.raises(FinalError) as e:
            await client.submit("key-00000001", make_submission())
        assert "/approval: approval_required" in e.value.reason

    async def test_429_is_retryable_with_retry_after(self, client, mock):
        mock.post(SUBMIT_PATH).respond(429, headers={"Retry-After": "7"})
        with pytest.raises(RetryableError) as e:
            await client.submit("key-00000001", make_submission())
        assert e.value.status == 429
        assert e.value.retry_after == 7.0

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    async def test_5xx_is_retryable(self, client, mock, status):
        mock.post(SUBMIT_PATH).respond(status)
        with pytest.raises(RetryableError) as e:
            await client.submit("key-00000001", make_submission())
        assert e.value.status == status

    async def test_timeout_is_retryable(self, client, mock):
        mock.post(SUBMIT_PATH).mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(RetryableError, match="timeout"):
            await client.submit("key-00000001", make_submission())

    @pytest.mark.parametrize(
        "exc", [httpx.RemoteProtocolError("reset"), httpx.ConnectError("refused"), httpx.ReadError("rst")]
    )
    async def test_connection_reset_is_retryable(self, client, mock, exc):
        mock.post(SUBMIT_PATH).mock(side_effect=exc)
        with pytest.raises(RetryableError, match="transport"):
            await client.submit("key-00000001", make_submission())

    async def test_other_4xx_is_final(self, client, mock):
        mock.post(SUBMIT_PATH).respond(400, json=problem(400, "bad_request"))
        with pytest.raises(FinalError):
            await client.submit("key-00000001", make_submission())


class TestToken:
    async def test_token_is_cached_across_submissions(self, client, mock):
        mock.post(SUBMIT_PATH).respond(201, json=RECEIPT)
        await client.submit("key-00000001", make_submission())
        await client.submit("key-00000002", make_submission())
        assert mock.routes[0].call_count == 1
        assert client.token_fetches == 1

    async def test_expired_token_is_refreshed_once_and_the_call_retried(self, client, mock):
        mock.routes[0].side_effect = [
            httpx.Response(200, json=TOKEN),
            httpx.Response(200, json={**TOKEN, "access_token": "t2"}),
        ]
        route = mock.post(SUBMIT_PATH)
        route.side_effect = [httpx.Response(401), httpx.Response(201, json=RECEIPT)]
        r = await client.submit("key-00000001", make_submission())
        assert r.receipt_id == "BN-1"
        assert [c.request.headers["Authorization"] for c in route.calls] == ["Bearer t1", "Bearer t2"]

    async def test_token_near_expiry_is_refreshed_before_use(self, client, mock):
        mock.post(SUBMIT_PATH).respond(201, json=RECEIPT)
        await client.submit("key-00000001", make_submission())
        client.clock.t += 3600 - 10  # inside the refresh margin
        await client.submit("key-00000002", make_submission())
        assert client.token_fetches == 2

    async def test_token_endpoint_failure_is_retryable(self, client, mock):
        mock.routes[0].respond(503)
        with pytest.raises(RetryableError):
            await client.submit("key-00000001", make_submission())

    async def test_persistent_401_is_retryable_not_a_crash(self, client, mock):
        mock.post(SUBMIT_PATH).respond(401)
        with pytest.raises(RetryableError) as e:
            await client.submit("key-00000001", make_submission())
        assert e.value.status == 401


class TestLookup:
    async def test_lookup_found_and_missing(self, client, mock):
        sub = make_submission()
        mock.get(f"{SUBMIT_PATH}/BN-1").respond(
            200,
            json={
                "receipt_id": "BN-1",
                "recorded_at": RECEIPT["recorded_at"],
                "submission": sub.model_dump(mode="json"),
            },
        )
        mock.get(f"{SUBMIT_PATH}/BN-2").respond(404)
        found = await client.lookup("BN-1")
        assert found is not None
        assert found.submission == sub
        assert await client.lookup("BN-2") is None


class TestRetryAfter:
    def test_seconds_and_http_date(self):
        assert parse_retry_after("3") == 3.0
        now = datetime(2025, 5, 1, tzinfo=UTC)
        later = format_datetime(now + timedelta(seconds=30), usegmt=True)
        assert parse_retry_after(later, now=now.timestamp()) == pytest.approx(30, abs=1)
        assert parse_retry_after("soon") is None
        assert parse_retry_after(None) is None
