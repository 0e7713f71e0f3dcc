"""Thu hồi in the contract: the fake's withdrawal (idempotent, shown by GET, replaced by a later
delivery, faults applied) and the adapter's classification of every answer (respx)."""

from __future__ import annotations

import httpx
import pytest
import respx

from services.sync.csdl.client import CsdlClient, FinalError, RetryableError
from services.sync.csdl.contract import TOKEN_PATH, withdraw_path
from tests.sync.factories import make_submission
from tests.sync.test_fake_csdl import counts, fake, set_faults  # noqa: F401  (fixture)

BASE = "https://csdl.test"
TOKEN = {"access_token": "t1", "token_type": "bearer", "expires_in": 3600}


class TestFakeWithdrawal:
    async def test_withdraw_once_per_key_and_get_shows_it(self, fake):  # noqa: F811
        _, http, c = fake
        r = await c.submit("key-00000001", make_submission())
        w1 = await c.withdraw("wkey-0000001", r.receipt_id, "returned")
        assert w1.withdrawn_at is not None
        assert w1.withdrawal_reason == "returned"
        w2 = await c.withdraw("wkey-0000001", r.receipt_id, "returned")  # a retry
        assert w2.withdrawn_at == w1.withdrawn_at
        rec = await c.lookup(r.receipt_id)
        assert rec is not None
        assert rec.withdrawn_at == w1.withdrawn_at
        n = await counts(http)
        assert n["withdrawals_per_receipt"] == {r.receipt_id: 1}
        assert n["requests_per_key"]["wkey-0000001"] == 2

    async def test_replay_is_marked_and_key_reuse_is_409(self, fake):  # noqa: F811
        _, http, c = fake
        r = await c.submit("key-00000001", make_submission())
        r2 = await c.submit("key-00000002", make_submission(school_code="79701002"))
        token = await c.token()
        auth = {"Authorization": f"Bearer {token}", "Idempotency-Key": "wkey-0000001"}
        first = await http.post(withdraw_path(r.receipt_id), json={"reason": "x"}, headers=auth)
        again = await http.post(withdraw_path(r.receipt_id), json={"reason": "x"}, headers=auth)
        assert (first.status_code, again.status_code) == (200, 200)
        assert again.headers["Idempotent-Replayed"] == "true"
        other = await http.post(withdraw_path(r2.receipt_id), json={"reason": "x"}, headers=auth)
        assert other.status_code == 409
        assert other.json()["code"] == "idempotency_key_reused"
        blank = await http.post(withdraw_path(r.receipt_id), json={"reason": ""}, headers=auth)
        assert blank.status_code == 422

    async def test_unknown_receipt_is_final_404(self, fake):  # noqa: F811
        _, _, c = fake
        with pytest.raises(FinalError) as e:
            await c.withdraw("wkey-0000001", "BN-NOPE", "returned")
        assert e.value.status == 404

    async def test_a_later_delivery_replaces_the_record(self, fake):  # noqa: F811
        _, _, c = fake
        old = await c.submit("key-00000001", make_submission())
        new = await c.submit("key-00000002", make_submission(content="v2", version=5))
        rec = await c.lookup(old.receipt_id)
        assert rec is not None
        assert rec.replaced_by == new.receipt_id
        now = await c.lookup(new.receipt_id)
        assert now is not None
        assert now.replaced_by is None

    async def test_faults_apply_to_withdrawals(self, fake):  # noqa: F811
        _, http, c = fake
        r = await c.submit("key-00000001", make_submission())
        await set_faults(http, error_rate=1.0)
        with pytest.raises(RetryableError) as e:
            await c.withdraw("wkey-0000001", r.receipt_id, "returned")
        assert e.value.status == 503
        await set_faults(http, rate_limit_rate=1.0, retry_after_seconds=7)
        with pytest.raises(RetryableError) as e:
            await c.withdraw("wkey-0000001", r.receipt_id, "returned")
        assert (e.value.status, e.value.retry_after) == (429, 7.0)
        await set_faults(http, drop_after_commit_rate=1.0)
        with pytest.raises(RetryableError):  # recorded, then the answer is lost
            await c.withdraw("wkey-0000001", r.receipt_id, "returned")
        await set_faults(http)
        w = await c.withdraw("wkey-0000001", r.receipt_id, "returned")  # the retry: same record
        assert w.withdrawn_at is not None
        assert (await counts(http))["withdrawals_per_receipt"] == {r.receipt_id: 1}
        assert (await counts(http))["records"] == 1


@pytest.fixture
async def client():
    async with httpx.AsyncClient(base_url=BASE) as http:
        yield CsdlClient(http, "id", "secret", timeout=0.5)


@pytest.fixture
def mock():
    with respx.mock(base_url=BASE, assert_all_called=False) as m:
        m.post(TOKEN_PATH).respond(200, json=TOKEN)
        yield m


RECORD = {
    "receipt_id": "BN-1",
    "recorded_at": "2025-05-20T01:02:03Z",
    "submission": make_submission().model_dump(mode="json"),
    "withdrawn_at": "2025-06-02T01:00:00Z",
    "withdrawal_reason": "returned",
}


class TestAdapterWithdraw:
    async def test_200_sends_key_reason_and_token(self, client, mock):
        route = mock.post(withdraw_path("BN-1")).respond(200, json=RECORD)
        rec = await client.withdraw("wkey-0000001", "BN-1", "returned: thiếu minh chứng")
        assert rec.withdrawn_at is not None
        req = route.calls.last.request
        assert req.headers["Idempotency-Key"] == "wkey-0000001"
        assert req.headers["Authorization"] == "Bearer t1"
        assert b"returned" in req.content

    @pytest.mark.parametrize("status", [500, 502, 503, 408])
    async def test_5xx_and_408_are_retryable(self, client, mock, status):
        mock.post(withdraw_path("BN-1")).respond(status)
        with pytest.raises(RetryableError):
            await client.withdraw("wkey-0000001", "BN-1", "r")

    async def test_429_keeps_retry_after(self, client, mock):
        mock.post(withdraw_path("BN-1")).respond(429, headers={"Retry-After": "12"})
        with pytest.raises(RetryableError) as e:
            await client.withdraw("wkey-0000001", "BN-1", "r")
        assert e.value.retry_after == 12.0

    @pytest.mark.parametrize("status", [404, 409, 422])
    async def test_4xx_is_final(self, client, mock, status):
        mock.post(withdraw_path("BN-1")).respond(status, json={"code": "x"})
        with pytest.raises(FinalError):
            await client.withdraw("wkey-0000001", "BN-1", "r")

    async def test_timeout_and_reset_are_retryable(self, client, mock):
        mock.post(withdraw_path("BN-1")).mock(side_effect=httpx.ConnectTimeout("slow"))
        with pytest.raises(RetryableError):
            await client.withdraw("wkey-0000001", "BN-1", "r")
        mock.post(withdraw_path("BN-1")).mock(side_effect=httpx.ConnectError("reset"))
        with pytest.raises(RetryableError):
            await client.withdraw("wkey-0000001", "BN-1", "r")

    async def test_expired_token_is_refreshed_once(self, client, mock):
        route = mock.post(withdraw_path("BN-1"))
        route.side_effect = [httpx.Response(401), httpx.Response(200, json=RECORD)]
        assert (await client.withdraw("wkey-0000001", "BN-1", "r")).receipt_id == "BN-1"
        assert client.token_fetches == 2
