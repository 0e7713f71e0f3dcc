"""Webhook deliveries carry Standard Webhooks signatures that the reference verifier
(`standardwebhooks`, what vendors use) accepts; the id is stable across retries."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from standardwebhooks import Webhook, WebhookVerificationError  # type: ignore[import-untyped]

from services.sync.webhooks import standard
from tests.sync.factories import make_snapshot
from tests.sync.test_api import emit, pump
from tests.sync.test_webhooks_and_reconciliation import PINNED, dispatcher, seeded, subscribe

__all__ = ["seeded"]  # the fixture, shared


def test_reference_verifier_accepts_ours_and_refuses_a_tampered_body():
    secret = standard.new_secret()
    body = b'{"id":"d1","event":"sync.delivered","data":{}}'
    h = standard.headers(secret, "d1", body)
    assert Webhook(secret).verify(body, h) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"d1", b"d2"), h)
    with pytest.raises(WebhookVerificationError):
        Webhook(standard.new_secret()).verify(body, h)


async def test_deliveries_are_signed_the_standard_way(seeded, sync_app, scoring_app):
    sub = await subscribe(seeded)
    assert sub["secret"].startswith("whsec_")
    await emit(scoring_app, make_snapshot())
    await pump(sync_app)
    with respx.mock(assert_all_called=True) as m:
        route = m.post(PINNED)
        route.side_effect = [httpx.Response(500), httpx.Response(204)]
        async with httpx.AsyncClient() as http:
            d = dispatcher(sync_app, http)
            assert await d.run_once() == 1
            assert await d.run_once() == 1
    first, last = (c.request for c in route.calls)
    assert first.headers["webhook-id"] == last.headers["webhook-id"]  # receivers deduplicate on it
    payload = Webhook(sub["secret"]).verify(last.content, dict(last.headers))
    assert payload["event"] == "sync.delivered"
    assert payload["id"] == last.headers["webhook-id"]
