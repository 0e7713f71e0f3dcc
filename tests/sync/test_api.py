"""The public REST API against the real scoring service (in-process) and the fake CSDL: the feed
turned into deliveries, status, deadlines, at-risk, timeliness, re-send and scope checks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.scoring.feed import repository as feed
from services.sync.deliveries.models import JobState
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.runtime import Runtime
from shared.contracts import AssessmentSnapshot
from shared.principal import Role
from tests.org import who
from tests.sync.factories import make_snapshot

ADMIN = who("admin", Role.ADMIN, all_orgs=True)
HEAD = who("head-th1", Role.SCHOOL_HEAD, schools=("79701001",))
OTHER_HEAD = who("head-th3", Role.SCHOOL_HEAD, schools=("79702001",))
OFFICER_A = who("officer-pa", Role.OFFICER, units=("phong-797-a",))
SO_OFFICER = who("officer-so", Role.OFFICER, units=("so-79",))
VENDOR = who("vendor-smas", Role.VENDOR_CLIENT, schools=("79701001", "79701002"))
YEAR = "2024-2025"


async def emit(scoring_app: Any, snap: AssessmentSnapshot, type_: str = "assessment.approved") -> None:
    async with scoring_app.state.session_factory() as s:
        ev = feed.event(
            type_,
            snap.school_code,
            snap.school_year,
            snap.assessment_id,
            snap.version,
            snap.model_dump(mode="json"),
        )
        await feed.emit(s, [ev])
        await s.commit()


async def pump(app: Any) -> None:
    """One feed step, then deliver everything due."""
    rt: Runtime = app.state.runtime
    await rt.consumer.run_once()
    for _ in range(20):
        if await rt.workers[0].run_once() + await rt.withdrawals.run_once() == 0:
            return


@pytest.fixture
async def seeded(
    scoring_http: httpx.AsyncClient, client: httpx.AsyncClient, province: None
) -> httpx.AsyncClient:
    return client


class TestFeedToReceipt:
    async def test_approved_event_becomes_a_delivery_with_receipt(self, seeded, sync_app, scoring_app):
        await emit(scoring_app, make_snapshot())
        await emit(scoring_app, make_snapshot(), "assessment.submitted")  # nothing to deliver
        await pump(sync_app)
        r = await seeded.get(f"/api/v1/sync/schools/79701001/years/{YEAR}", headers=HEAD)
        assert r.status_code == 200, r.text
        (d,) = r.json()["deliveries"]
        assert d["state"] == "delivered"
        assert d["receipt_id"].startswith("BN-")
        assert d["attempt_log"][0]["outcome"] == "delivered"

    async def test_cursor_is_durable_and_replays_change_nothing(self, seeded, sync_app, scoring_app):
        await emit(scoring_app, make_snapshot())
        rt: Runtime = sync_app.state.runtime
        assert await rt.consumer.run_once() == 1
        assert await rt.consumer.run_once() == 0
        async with sync_app.state.session_factory() as s:
            assert await rt.consumer.position(s) > 0

    @pytest.mark.commits  # the runtime's loops run beside the test, each in its own transactions
    async def test_background_workers_deliver_on_their_own(self, seeded, sync_app, scoring_app):
        rt: Runtime = sync_app.state.runtime
        rt.start()
        try:
            await emit(scoring_app, make_snapshot(kind="external"))
            for _ in range(200):
                async with sync_app.state.session_factory() as s:
                    if (await DeliveryRepository(s).counts_by_state()).get(JobState.DELIVERED):
                        break
                await asyncio.sleep(0.02)
            else:
                pytest.fail("not delivered")
        finally:
            await rt.stop(grace=2)


class TestScope:
    async def test_other_school_is_404_and_no_principal_401(self, seeded):
        r = await seeded.get(f"/api/v1/sync/schools/79701001/years/{YEAR}", headers=OTHER_HEAD)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (await seeded.get(f"/api/v1/sync/schools/79701001/years/{YEAR}")).status_code == 401

    async def test_officer_sees_schools_below_it(self, seeded):
        r = await seeded.get(f"/api/v1/sync/schools/79701002/years/{YEAR}", headers=OFFICER_A)
        assert r.status_code == 200
        r = await seeded.get(f"/api/v1/sync/schools/79702001/years/{YEAR}", headers=OFFICER_A)
        assert r.status_code == 404


class TestDeadlines:
    async def test_national_defaults(self, seeded):
        r = await seeded.get("/api/v1/sync/deadlines", params={"school_year": YEAR}, headers=HEAD)
        assert r.status_code == 200
        d = {x["kind"]: x for x in r.json()["deadlines"]}
        assert d["self"]["on_time_deadline"] == "2025-05-31"
        assert d["external"]["on_time_deadline"] == "2025-06-20"
        assert d["self"]["source"] == "national"

    async def test_province_override_keeps_deadline_and_edit_lock_apart(self, seeded):
        body = {
            "on_time_deadline": "2025-05-25",
            "edit_lock_date": "2025-06-05",
            "milestones": [{"name": "Phòng duyệt xong", "on": "2025-05-15"}],
        }
        url = f"/api/v1/sync/deadlines/{YEAR}/provinces/79/self"
        assert (await seeded.put(url, json=body, headers=OFFICER_A)).status_code == 403
        r = await seeded.put(url, json=body, headers=SO_OFFICER)
        assert r.status_code == 200, r.text
        d = {x["kind"]: x for x in r.json()["deadlines"]}
        assert d["self"]["on_time_deadline"] == "2025-05-25"
        assert d["self"]["edit_lock_date"] == "2025-06-05"
        assert d["self"]["source"] == "province"
        assert d["external"]["source"] == "national"

    async def test_edit_lock_before_deadline_is_422(self, seeded):
        body = {"on_time_deadline": "2025-05-25", "edit_lock_date": "2025-05-20"}
        r = await seeded.put(f"/api/v1/sync/deadlines/{YEAR}/provinces/79/self", json=body, headers=ADMIN)
        assert r.status_code == 422
        assert r.json()["validation_errors"][0]["code"] == "edit_lock_before_deadline"


class TestAtRiskAndTimeliness:
    async def test_at_risk_lists_schools_not_yet_delivered(self, seeded, sync_app, scoring_app):
        await emit(scoring_app, make_snapshot(school_code="79701001"))
        await pump(sync_app)
        params = {"school_year": YEAR, "kind": "self", "as_of": "2025-05-25", "within_days": 14}
        r = await seeded.get("/api/v1/sync/at-risk", params=params, headers=SO_OFFICER)
        assert r.status_code == 200, r.text
        codes = {s["school_code"]: s for s in r.json()["items"]}
        assert set(codes) == {"79701002", "79702001", "79000001"}
        assert codes["79701002"]["days_left"] == 6
        assert codes["79701002"]["reason"] == "not_ready"
        # too early: nobody is at risk yet
        early = await seeded.get(
            "/api/v1/sync/at-risk", params={**params, "as_of": "2025-04-01"}, headers=SO_OFFICER
        )
        assert early.json()["items"] == []
        # scope: an office sees only its own schools
        mine = await seeded.get("/api/v1/sync/at-risk", params=params, headers=OFFICER_A)
        assert {s["school_code"] for s in mine.json()["items"]} == {"79701002"}

    async def test_timeliness_on_time_late_missing(self, seeded, sync_app, scoring_app):
        await emit(scoring_app, make_snapshot(school_code="79701001"))
        await emit(scoring_app, make_snapshot(school_code="79701002"))
        await pump(sync_app)
        async with sync_app.state.session_factory() as s:
            for j in await DeliveryRepository(s).all():
                if j.school_code == "79701002":  # CSDL recorded it a day after the deadline
                    j.receipt_at = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)
                else:
                    j.receipt_at = datetime(2025, 5, 31, 16, 59, tzinfo=UTC)  # 23:59 in Vietnam
            await s.commit()
        r = await seeded.get(
            "/api/v1/sync/timeliness", params={"school_year": YEAR, "kind": "self"}, headers=SO_OFFICER
        )
        assert r.status_code == 200, r.text
        body = r.json()
        by = {s["school_code"]: s["status"] for s in body["items"]}
        assert by == {"79701001": "on_time", "79701002": "late", "79702001": "missing", "79000001": "missing"}
        assert (body["expected"], body["on_time"], body["late"], body["missing"]) == (4, 1, 1, 2)

    async def test_school_opened_after_the_deadline_is_not_expected(self, seeded, scoring_http):
        r = await scoring_http.post(
            "/api/v1/org/schools",
            json={
                "code": "79701009",
                "name": "Trường Tiểu học Mới",
                "levels": ["TH"],
                "managing_unit_id": "phong-797-a",
                "opened_on": "2025-09-05",
            },
            headers=ADMIN,
        )
        assert r.status_code == 201, r.text
        r = await seeded.get(
            "/api/v1/sync/timeliness", params={"school_year": YEAR, "kind": "self"}, headers=SO_OFFICER
        )
        assert "79701009" not in {s["school_code"] for s in r.json()["items"]}

    async def test_closed_before_not_expected_merged_after_still_expected(self, seeded, scoring_http):
        r = await scoring_http.post(
            "/api/v1/org/schools/79000001/close", json={"on": "2025-03-01"}, headers=ADMIN
        )
        assert r.status_code == 200, r.text
        r = await scoring_http.post(
            "/api/v1/org/schools/79701002/merge", json={"into": "79701001", "on": "2025-08-01"}, headers=ADMIN
        )
        assert r.status_code == 200, r.text
        r = await seeded.get(
            "/api/v1/sync/timeliness", params={"school_year": YEAR, "kind": "self"}, headers=SO_OFFICER
        )
        codes = {s["school_code"]: s["status"] for s in r.json()["items"]}
        assert "79000001" not in codes  # closed before the deadline: not expected
        assert codes["79701002"] == "missing"  # merged after the deadline: still expected then


class TestResend:
    async def test_resend_a_dead_delivery(self, seeded, sync_app, scoring_app, fake_http):
        await fake_http.put("/admin/faults", json={"error_rate": 1.0})
        sync_app.state.settings.max_attempts = 1
        await emit(scoring_app, make_snapshot())
        await pump(sync_app)
        st = (await seeded.get(f"/api/v1/sync/schools/79701001/years/{YEAR}", headers=ADMIN)).json()
        (d,) = st["deliveries"]
        assert d["state"] == "dead"
        assert "503" in d["last_error"]
        url = f"/api/v1/sync/deliveries/{d['id']}/resend"
        assert (await seeded.post(url, headers=HEAD)).status_code == 403
        await fake_http.put("/admin/faults", json={})
        r = await seeded.post(url, headers=OFFICER_A)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "pending"
        assert (await seeded.post(url, headers=OFFICER_A)).status_code == 409
        await pump(sync_app)
        st = (await seeded.get(f"/api/v1/sync/schools/79701001/years/{YEAR}", headers=ADMIN)).json()
        assert st["deliveries"][0]["state"] == "delivered"


async def test_scoring_down_is_503_not_500(sync_app, client):
    """The scope check cannot be made without scoring: the caller may retry (it was a 500)."""

    async def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sync_app.state.scoring.http = httpx.AsyncClient(transport=httpx.MockTransport(down), base_url="http://s")
    r = await client.get(f"/api/v1/sync/schools/79701001/years/{YEAR}", headers=HEAD)
    assert (r.status_code, r.json()["code"]) == (503, "upstream_unavailable")

    async def odd(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401)  # a refused internal call is not the caller's mistake either

    sync_app.state.scoring.http = httpx.AsyncClient(transport=httpx.MockTransport(odd), base_url="http://s")
    r = await client.get(f"/api/v1/sync/schools/79701001/years/{YEAR}", headers=HEAD)
    assert (r.status_code, r.json()["code"]) == (503, "upstream_unavailable")
