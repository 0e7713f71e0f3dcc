"""Workflow webhooks (vendors learn of submissions, approvals, returns with their item comments,
acceptance, conclusion, recognition and reopening without polling) and scope re-checked at every
send: a subscriber that lost a school, or whose school moved away, receives nothing more of it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
import respx

from services.sync.grants import GatewayClient
from shared.contracts import SubjectGrant
from tests.conftest import SECRET
from tests.sync.factories import make_snapshot
from tests.sync.test_api import ADMIN, OFFICER_A, emit
from tests.sync.test_webhooks_and_reconciliation import HOOK, PINNED, VENDOR, dispatcher
from tests.sync.test_withdrawal import returned

WORKFLOW = [
    "assessment.submitted",
    "assessment.approved",
    "assessment.returned",
    "assessment.accepted",
    "assessment.concluded",
    "assessment.recognised",
    "assessment.reopened",
]


@pytest.fixture
async def seeded(
    scoring_http: httpx.AsyncClient, client: httpx.AsyncClient, province: None
) -> httpx.AsyncClient:
    return client


async def subscribe(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/sync/webhooks", json={"url": HOOK, "events": WORKFLOW, **over}, headers=headers
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def log(
    client: httpx.AsyncClient, sub: dict[str, Any], headers: dict[str, str]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = (
        await client.get(f"/api/v1/sync/webhooks/{sub['id']}/deliveries", headers=headers)
    ).json()["items"]
    return out


def gateway_answering(grants: Mapping[str, SubjectGrant]) -> GatewayClient:
    """The gateway's internal grant endpoint as the test sets it (its own test is in tests/gateway)."""

    def handle(request: httpx.Request) -> httpx.Response:
        g = grants.get(request.url.path.rsplit("/", 1)[-1])
        if g is None:
            return httpx.Response(404)
        return httpx.Response(200, json=g.model_dump())

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle), base_url="http://gateway")
    return GatewayClient(http, SECRET)


def vendor_grant(*schools: str, active: bool = True) -> SubjectGrant:
    return SubjectGrant(
        sub="vendor-smas", kind="client", roles=["vendor_client"], schools=list(schools), active=active
    )


class TestWorkflowWebhooks:
    async def test_a_return_reaches_the_vendor_with_its_item_comments(self, seeded, sync_app, scoring_app):
        sub = await subscribe(seeded, VENDOR)
        await returned(scoring_app, make_snapshot(school_code="79701001"))
        await returned(scoring_app, make_snapshot(school_code="79702001"))  # not the vendor's school
        await sync_app.state.runtime.consumer.run_once()
        with respx.mock(assert_all_called=True) as m:
            route = m.post(PINNED).respond(204)
            async with httpx.AsyncClient() as http:
                assert await dispatcher(sync_app, http).run_once() == 1
        body = json.loads(route.calls.last.request.content)
        assert body["event"] == "assessment.returned"
        assert body["data"]["school_code"] == "79701001"
        assert body["data"]["reason"] == "Thiếu minh chứng 1.3"
        assert body["data"]["item_comments"] == {"1.3": "Bổ sung biên bản"}
        assert route.calls.last.request.headers["X-Chiso-Event"] == "assessment.returned"
        assert [x["state"] for x in await log(seeded, sub, VENDOR)] == ["delivered"]

    async def test_approval_and_recognition_carry_the_result(self, seeded, sync_app, scoring_app):
        sub = await subscribe(seeded, VENDOR, events=["assessment.approved", "assessment.recognised"])
        await emit(scoring_app, make_snapshot())
        await emit(scoring_app, make_snapshot(kind="external"), "assessment.recognised")
        await emit(scoring_app, make_snapshot(), "assessment.submitted")  # not subscribed
        await sync_app.state.runtime.consumer.run_once()
        assert sorted(x["event"] for x in await log(seeded, sub, VENDOR)) == [
            "assessment.approved",
            "assessment.recognised",
        ]

    async def test_every_workflow_event_is_accepted_and_others_refused(self, seeded):
        await subscribe(seeded, VENDOR)
        r = await seeded.post(
            "/api/v1/sync/webhooks", json={"url": HOOK, "events": ["assessment.deleted"]}, headers=VENDOR
        )
        assert r.status_code == 422


class TestScopeAtEverySend:
    async def test_a_vendor_that_lost_a_school_receives_nothing_more(self, seeded, sync_app, scoring_app):
        sub = await subscribe(seeded, VENDOR)
        await returned(scoring_app, make_snapshot(school_code="79701001"))
        await returned(scoring_app, make_snapshot(school_code="79701002"))
        await sync_app.state.runtime.consumer.run_once()
        with respx.mock(assert_all_called=False) as m:
            route = m.post(PINNED).respond(204)
            async with httpx.AsyncClient() as http:
                d = dispatcher(sync_app, http)
                d.gateway = gateway_answering({"vendor-smas": vendor_grant("79701001")})  # lost 79701002
                assert await d.run_once() == 2
        sent = [json.loads(c.request.content)["data"]["school_code"] for c in route.calls]
        assert sent == ["79701001"]
        states = {x["state"] for x in await log(seeded, sub, VENDOR)}
        assert states == {"delivered", "dropped"}

    async def test_a_disabled_or_deleted_subscriber_receives_nothing(self, seeded, sync_app, scoring_app):
        await subscribe(seeded, VENDOR)
        await returned(scoring_app, make_snapshot(school_code="79701001"))
        await sync_app.state.runtime.consumer.run_once()
        for grants in ({"vendor-smas": vendor_grant("79701001", active=False)}, {}):
            with respx.mock(assert_all_called=False) as m:
                route = m.post(PINNED).respond(204)
                async with httpx.AsyncClient() as http:
                    d = dispatcher(sync_app, http)
                    d.gateway = gateway_answering(grants)
                    await d.run_once()
            assert not route.called

    async def test_gateway_unreachable_means_later_not_blindly(self, seeded, sync_app, scoring_app):
        sub = await subscribe(seeded, VENDOR)
        await returned(scoring_app, make_snapshot(school_code="79701001"))
        await sync_app.state.runtime.consumer.run_once()

        def down(request: httpx.Request) -> httpx.Response:
            return httpx.Response(503)

        with respx.mock(assert_all_called=False) as m:
            route = m.post(PINNED).respond(204)
            async with httpx.AsyncClient() as http:
                d = dispatcher(sync_app, http)
                d.gateway = GatewayClient(
                    httpx.AsyncClient(transport=httpx.MockTransport(down), base_url="http://gateway"), SECRET
                )
                await d.run_once()
        assert not route.called
        (x,) = await log(seeded, sub, VENDOR)
        assert x["state"] == "pending"
        assert "scope_check_unavailable" in x["last_error"]

    async def test_a_school_moved_away_from_the_office_is_not_sent(
        self, seeded, scoring_http, sync_app, scoring_app
    ):
        # no gateway configured: the grant captured at subscription, against where the school is now
        sub = await subscribe(seeded, OFFICER_A)
        assert sub["schools"] == ["79701001", "79701002"]
        r = await scoring_http.post(
            "/api/v1/org/schools/79701002/move",
            json={"managing_unit_id": "phong-797-b", "on": "2025-01-01"},
            headers=ADMIN,
        )
        assert r.status_code == 200, r.text
        await returned(scoring_app, make_snapshot(school_code="79701001"))
        await returned(scoring_app, make_snapshot(school_code="79701002"))
        await sync_app.state.runtime.consumer.run_once()
        with respx.mock(assert_all_called=False) as m:
            route = m.post(PINNED).respond(204)
            async with httpx.AsyncClient() as http:
                await dispatcher(sync_app, http).run_once()
        sent = [json.loads(c.request.content)["data"]["school_code"] for c in route.calls]
        assert sent == ["79701001"]
