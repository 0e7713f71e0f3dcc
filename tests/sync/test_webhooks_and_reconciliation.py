"""Webhooks (subscription, HMAC signature with timestamp, retries, delivery log) and reconciliation."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from services.sync.main import create_app
from services.sync.reconciliation.service import diff
from services.sync.runtime import Runtime
from services.sync.webhooks.service import WebhookDispatcher
from services.sync.webhooks.signing import SIGNATURE_HEADER, sign, verify
from shared.principal import Role
from tests.harness import started
from tests.org import who
from tests.sync.conftest import make_settings
from tests.sync.factories import make_snapshot
from tests.sync.test_api import emit, pump

VENDOR = who("vendor-smas", Role.VENDOR_CLIENT, schools=("79701001", "79701002"))
OTHER_VENDOR = who("vendor-x", Role.VENDOR_CLIENT, schools=("79702001",))
ADMIN = who("admin", Role.ADMIN, all_orgs=True)
HOOK = "https://vendor.test/hooks/chiso"
PUBLIC = "93.184.216.34"  # what the test resolver answers for vendor.test: a global address
PINNED = f"https://{PUBLIC}/hooks/chiso"  # where a send really goes: the checked address


def resolver(answers: dict[str, list[str]]) -> Any:
    async def resolve(host: str, port: int) -> list[str]:
        return answers.get(host, [])

    return resolve


@pytest.fixture
async def seeded(
    scoring_http: httpx.AsyncClient, client: httpx.AsyncClient, province: None
) -> httpx.AsyncClient:
    return client


def dispatcher(
    app: Any, http: httpx.AsyncClient, attempts: int = 3, answers: dict[str, list[str]] | None = None
) -> WebhookDispatcher:
    return WebhookDispatcher(
        app.state.session_factory,
        http,
        max_attempts=attempts,
        timeout=1.0,
        base=0.0,
        resolver=resolver({"vendor.test": [PUBLIC]} if answers is None else answers),
        scoring=app.state.runtime.scoring,
    )


async def subscribe(client: httpx.AsyncClient, **over: Any) -> dict[str, Any]:
    body = {"url": HOOK, "events": ["sync.delivered", "sync.failed"], **over}
    r = await client.post("/api/v1/sync/webhooks", json=body, headers=VENDOR)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


class TestSigning:
    def test_roundtrip_and_tamper_and_replay_window(self):
        h = sign("k", b"{}", ts=1_000)
        assert verify("k", b"{}", h, now=1_010)
        assert not verify("k", b"{ }", h, now=1_010)
        assert not verify("other", b"{}", h, now=1_010)
        assert not verify("k", b"{}", h, now=1_000 + 301)  # too old: a replay
        assert not verify("k", b"{}", "garbage")


class TestSubscriptions:
    async def test_subscribe_list_unsubscribe(self, seeded):
        sub = await subscribe(seeded, schools=["79701001"])
        assert sub["secret"]
        listed = (await seeded.get("/api/v1/sync/webhooks", headers=VENDOR)).json()["items"]
        assert [s["id"] for s in listed] == [sub["id"]]
        assert "secret" not in listed[0]
        assert (await seeded.get("/api/v1/sync/webhooks", headers=OTHER_VENDOR)).json()["items"] == []
        other = await seeded.delete(f"/api/v1/sync/webhooks/{sub['id']}", headers=OTHER_VENDOR)
        assert (other.status_code, other.json()["code"]) == (404, "webhook_not_found")
        assert (await seeded.delete(f"/api/v1/sync/webhooks/{sub['id']}", headers=VENDOR)).status_code == 204
        gone = await seeded.get(f"/api/v1/sync/webhooks/{sub['id']}/deliveries", headers=VENDOR)
        assert (gone.status_code, gone.json()["code"]) == (404, "webhook_not_found")

    async def test_school_outside_scope_and_unknown_event_refused(self, seeded):
        r = await seeded.post(
            "/api/v1/sync/webhooks",
            json={"url": HOOK, "events": ["sync.delivered"], "schools": ["79702001"]},
            headers=VENDOR,
        )
        assert r.status_code == 404
        r = await seeded.post("/api/v1/sync/webhooks", json={"url": HOOK, "events": ["nope"]}, headers=VENDOR)
        assert r.status_code == 422


class TestDispatch:
    async def test_delivered_event_is_signed_retried_and_logged(self, seeded, sync_app, scoring_app):
        sub = await subscribe(seeded)
        await emit(scoring_app, make_snapshot())
        await pump(sync_app)
        with respx.mock(assert_all_called=True) as m:
            route = m.post(PINNED)
            route.side_effect = [httpx.Response(500), httpx.Response(204)]
            async with httpx.AsyncClient() as http:
                d = dispatcher(sync_app, http)
                assert await d.run_once() == 1
                assert await d.run_once() == 1
            req = route.calls.last.request
            assert req.headers["host"] == "vendor.test"  # sent to the checked address, by name
            assert verify(sub["secret"], req.content, req.headers[SIGNATURE_HEADER])
            body = json.loads(req.content)
            assert body["event"] == "sync.delivered"
            assert body["data"]["receipt_id"].startswith("BN-")
        log = (await seeded.get(f"/api/v1/sync/webhooks/{sub['id']}/deliveries", headers=VENDOR)).json()[
            "items"
        ]
        assert [(x["state"], x["attempts"], x["last_status"]) for x in log] == [("delivered", 2, 204)]

    async def test_failing_receiver_gives_up_after_budget(self, seeded, sync_app, scoring_app):
        sub = await subscribe(seeded)
        await emit(scoring_app, make_snapshot())
        await pump(sync_app)
        with respx.mock() as m:
            m.post(PINNED).mock(side_effect=httpx.ConnectError("refused"))
            async with httpx.AsyncClient() as http:
                d = dispatcher(sync_app, http, attempts=2)
                await d.run_once()
                await d.run_once()
                assert await d.run_once() == 0
        (x,) = (await seeded.get(f"/api/v1/sync/webhooks/{sub['id']}/deliveries", headers=VENDOR)).json()[
            "items"
        ]
        assert x["state"] == "failed"
        assert x["attempts"] == 2
        assert "ConnectError" in x["last_error"]

    async def test_only_subscribed_schools_are_notified(self, seeded, sync_app, scoring_app):
        sub = await subscribe(seeded, schools=["79701002"])
        await emit(scoring_app, make_snapshot(school_code="79701001"))
        await pump(sync_app)
        assert (await seeded.get(f"/api/v1/sync/webhooks/{sub['id']}/deliveries", headers=VENDOR)).json()[
            "items"
        ] == []

    async def test_at_risk_announcement(self, seeded, sync_app):
        sub = await subscribe(seeded, events=["deadline.at_risk"])
        r = await seeded.post(
            "/api/v1/sync/at-risk/announce",
            params={"school_year": "2024-2025", "within_days": 3660 // 10},
            headers=ADMIN,
        )
        assert r.status_code == 200, r.text
        log = (await seeded.get(f"/api/v1/sync/webhooks/{sub['id']}/deliveries", headers=VENDOR)).json()[
            "items"
        ]
        assert {x["event"] for x in log} == {"deadline.at_risk"}
        assert len(log) == 2  # the vendor's two schools, none delivered yet


class TestReceiverAddresses:
    """Webhook URLs are user input that the service then calls: only public addresses (SSRF)."""

    @pytest.mark.parametrize(
        ("url", "code"),
        [
            ("http://127.0.0.1:8000/hook", "url_forbidden_address"),
            ("http://localhost/hook", "url_forbidden_address"),
            ("http://169.254.169.254/latest/meta-data", "url_forbidden_address"),
            ("http://[::1]/hook", "url_forbidden_address"),
            ("http://10.1.2.3/hook", "url_forbidden_address"),
            ("ftp://vendor.test/hook", "url_scheme"),
            ("https://user:pw@vendor.test/hook", "url_credentials"),
            ("not a url", "url_scheme"),
        ],
    )
    async def test_private_or_malformed_url_is_refused(self, seeded, url, code):
        r = await seeded.post(
            "/api/v1/sync/webhooks", json={"url": url, "events": ["sync.failed"]}, headers=VENDOR
        )
        assert r.status_code == 422, r.text
        assert r.json()["validation_errors"][0]["pointer"] == "/url"
        assert r.json()["validation_errors"][0]["code"] == code
        assert (await seeded.get("/api/v1/sync/webhooks", headers=VENDOR)).json()["items"] == []

    @pytest.mark.parametrize("answers", [["10.0.0.5"], [PUBLIC, "127.0.0.1"], []])
    async def test_name_resolving_to_a_private_address_is_never_called(
        self, seeded, sync_app, scoring_app, answers
    ):
        sub = await subscribe(seeded)
        await emit(scoring_app, make_snapshot())
        await pump(sync_app)
        with respx.mock(assert_all_called=False) as m:
            anything = m.route()
            async with httpx.AsyncClient() as http:
                assert (
                    await dispatcher(sync_app, http, attempts=1, answers={"vendor.test": answers}).run_once()
                    == 1
                )
            assert not anything.called
        (x,) = (await seeded.get(f"/api/v1/sync/webhooks/{sub['id']}/deliveries", headers=VENDOR)).json()[
            "items"
        ]
        assert x["state"] == "failed"
        assert x["last_error"].startswith("forbidden_address")

    async def test_private_receivers_when_the_setting_allows(
        self, sync_url, sync_conn, scoring_http, fake_http, province
    ):
        settings = make_settings(sync_url, webhook_allow_private_addresses=True)
        app = create_app(settings, scoring_client=scoring_http, csdl_client=fake_http)
        async with (
            started(app, sync_conn),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sync") as c,
        ):
            r = await c.post(
                "/api/v1/sync/webhooks",
                json={"url": "http://10.1.2.3/hook", "events": ["sync.failed"]},
                headers=VENDOR,
            )
            assert r.status_code == 201, r.text
            assert app.state.runtime.webhooks.resolver is None


class TestReconciliation:
    def test_diff_paths(self):
        assert diff({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 3]}) == ["/b/1"]
        assert diff({"a": 1}, {"a": 1}) == []
        assert diff({"a": [1]}, {"a": [1, 2]}) == ["/a"]

    async def test_match_differs_missing(self, seeded, sync_app, scoring_app, fake_app):
        for code in ("79701001", "79701002", "79702001"):
            await emit(scoring_app, make_snapshot(school_code=code))
        await pump(sync_app)
        state = fake_app.state.fake
        stored = {st.result.submission.school_code: st for st in state.by_key.values()}
        tampered = stored["79701002"].result.submission
        tampered.groups[0].points = "99.00"  # CSDL's copy changed on their side
        del state.by_receipt[stored["79702001"].result.receipt_id]  # and one lost
        r = await seeded.post("/api/v1/sync/reconciliation/run", headers=ADMIN)
        assert r.status_code == 200, r.text
        assert r.json() == {"checked": 3, "match": 1, "differs": 1, "missing": 1, "unreachable": 0}
        flagged = (await seeded.get("/api/v1/sync/reconciliation", headers=ADMIN)).json()["items"]
        by = {f["reconcile_status"]: f for f in flagged}
        assert by["differs"]["reconcile_diff"] == ["/groups/0/points"]
        assert set(by) == {"differs", "missing"}
        # a second run has nothing new to check
        assert (await seeded.post("/api/v1/sync/reconciliation/run", headers=ADMIN)).json()["checked"] == 0
        assert (await seeded.get("/api/v1/sync/reconciliation", headers=VENDOR)).status_code == 403

    async def test_runtime_has_a_scheduled_reconciler(self, sync_app):
        rt: Runtime = sync_app.state.runtime
        assert rt.reconciler.interval > 0


class TestSubscriptionScope:
    async def test_officer_without_a_school_list_gets_its_scope(self, seeded):
        officer = who("officer-pa", Role.OFFICER, units=("phong-797-a",))
        r = await seeded.post(
            "/api/v1/sync/webhooks", json={"url": HOOK, "events": ["sync.failed"]}, headers=officer
        )
        assert r.status_code == 201, r.text
        assert r.json()["schools"] == ["79701001", "79701002"]
        assert r.json()["all_schools"] is False

    async def test_nationwide_principal_gets_everything(self, seeded):
        r = await seeded.post(
            "/api/v1/sync/webhooks", json={"url": HOOK, "events": ["sync.failed"]}, headers=ADMIN
        )
        assert r.json()["all_schools"] is True
