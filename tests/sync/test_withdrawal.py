"""Withdrawal (thu hồi) end to end: the real scoring feed, the sync service and the fake CSDL. A
delivered result that is returned, reopened or superseded is withdrawn exactly once; the status
shows which result stands; timeliness and the export count only that one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.scoring.feed import repository as feed
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.runtime import Runtime
from shared.contracts import AssessmentSnapshot
from tests.org import HEAD as S_HEAD
from tests.org import OFFICER_A as S_OFFICER
from tests.org import VENDOR as S_VENDOR
from tests.scoring.test_engine_levels import FULL
from tests.sync.factories import make_snapshot
from tests.sync.test_api import ADMIN, HEAD, OFFICER_A, SO_OFFICER, YEAR, emit, pump
from tests.sync.test_exports import sheet

STATUS = f"/api/v1/sync/schools/79701001/years/{YEAR}"


@pytest.fixture
async def seeded(
    scoring_http: httpx.AsyncClient, client: httpx.AsyncClient, province: None
) -> httpx.AsyncClient:
    return client


async def emit_workflow(scoring_app: Any, snap: AssessmentSnapshot, type_: str, **payload: Any) -> None:
    """A workflow event as scoring emits it (no snapshot): returned carries reason and item comments."""
    async with scoring_app.state.session_factory() as s:
        ev = feed.event(
            type_, snap.school_code, snap.school_year, snap.assessment_id, snap.version + 1, payload
        )
        await feed.emit(s, [ev])
        await s.commit()


async def returned(scoring_app: Any, snap: AssessmentSnapshot) -> None:
    await emit_workflow(
        scoring_app,
        snap,
        "assessment.returned",
        action="return",
        by="officer-pa",
        reason="Thiếu minh chứng 1.3",
        item_comments={"1.3": "Bổ sung biên bản"},
    )


async def status(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get(STATUS, headers=HEAD)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def fake_counts(fake_http: httpx.AsyncClient) -> dict[str, Any]:
    out: dict[str, Any] = (await fake_http.get("/admin/counts")).json()
    return out


class TestReturnedAfterDelivery:
    async def test_withdrawn_exactly_once_and_no_longer_current(
        self, seeded, sync_app, scoring_app, fake_http
    ):
        snap = make_snapshot()
        await emit(scoring_app, snap)
        await pump(sync_app)
        before = await status(seeded)
        (d,) = before["deliveries"]
        assert before["current"] == {"self": d["id"], "external": None}
        assert d["current"] is True
        await returned(scoring_app, snap)
        await returned(scoring_app, snap)  # the same act seen twice changes nothing
        await pump(sync_app)
        await pump(sync_app)
        after = await status(seeded)
        (d,) = after["deliveries"]
        assert d["state"] == "withdrawn"
        assert d["current"] is False
        assert after["current"] == {"self": None, "external": None}
        w = d["withdrawal"]
        assert (w["reason"], w["state"], w["attempts"]) == ("returned", "done", 1)
        assert w["detail"] == "Thiếu minh chứng 1.3"
        assert [a["outcome"] for a in d["attempt_log"]] == ["delivered", "withdrawn"]
        n = await fake_counts(fake_http)
        assert n["withdrawals_per_receipt"] == {d["receipt_id"]: 1}
        token = (
            await fake_http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"},
            )
        ).json()
        rec = await fake_http.get(
            f"/api/v1/chuyen-doi-so/ket-qua/{d['receipt_id']}",
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert rec.json()["withdrawn_at"] is not None
        assert "Thiếu minh chứng 1.3" in rec.json()["withdrawal_reason"]

    async def test_returned_before_sending_is_never_sent(self, seeded, sync_app, scoring_app, fake_http):
        snap = make_snapshot()
        await emit(scoring_app, snap)
        await returned(scoring_app, snap)
        await pump(sync_app)
        (d,) = (await status(seeded))["deliveries"]
        assert d["state"] == "cancelled"
        assert d["withdrawal"] is None
        assert (await fake_counts(fake_http))["records"] == 0

    async def test_reopened_is_withdrawn_too(self, seeded, sync_app, scoring_app, fake_http):
        snap = make_snapshot(kind="external")
        await emit(scoring_app, snap, "assessment.recognised")
        await pump(sync_app)
        await emit_workflow(scoring_app, snap, "assessment.reopened", action="reopen", reason="Sở mở lại")
        await pump(sync_app)
        (d,) = (await status(seeded))["deliveries"]
        assert (d["state"], d["withdrawal"]["reason"]) == ("withdrawn", "reopened")

    async def test_same_content_approved_again_is_delivered_anew(
        self, seeded, sync_app, scoring_app, fake_http
    ):
        await emit(scoring_app, make_snapshot(version=3))
        await pump(sync_app)
        await returned(scoring_app, make_snapshot(version=3))
        await pump(sync_app)
        await emit(scoring_app, make_snapshot(version=5))  # nothing changed: the same content
        await pump(sync_app)
        st = await status(seeded)
        old, new = st["deliveries"]
        assert (old["state"], new["state"]) == ("withdrawn", "delivered")
        assert new["receipt_id"] != old["receipt_id"]
        assert st["current"]["self"] == new["id"]
        assert (await fake_counts(fake_http))["records"] == 2

    async def test_in_flight_when_returned_is_finished_then_withdrawn(
        self, seeded, sync_app, scoring_app, fake_http
    ):
        rt: Runtime = sync_app.state.runtime
        snap = make_snapshot()
        await emit(scoring_app, snap)
        await rt.consumer.run_once()
        (job,) = await rt.workers[0]._claim(8)  # claimed: the send is about to happen
        await returned(scoring_app, snap)
        await rt.consumer.run_once()
        await rt.workers[0]._record([await rt.workers[0]._send(job)])
        assert await rt.withdrawals.run_once() == 1
        (d,) = (await status(seeded))["deliveries"]
        assert d["state"] == "withdrawn"
        assert (await fake_counts(fake_http))["withdrawals_per_receipt"] == {d["receipt_id"]: 1}


class TestSuperseded:
    async def test_a_newer_approval_withdraws_the_older_record(
        self, seeded, sync_app, scoring_app, fake_http
    ):
        await emit(scoring_app, make_snapshot(version=3))
        await pump(sync_app)
        await emit(scoring_app, make_snapshot(version=5, content="v5"))
        await pump(sync_app)
        st = await status(seeded)
        old, new = st["deliveries"]
        assert (old["state"], old["withdrawal"]["reason"]) == ("withdrawn", "superseded")
        assert (new["state"], new["current"], st["current"]["self"]) == ("delivered", True, new["id"])
        assert (await fake_counts(fake_http))["withdrawals_per_receipt"] == {old["receipt_id"]: 1}


class TestRetriesAndDeadLetter:
    async def test_transient_errors_are_retried_then_dead_lettered_then_resent(
        self, seeded, sync_app, scoring_app, fake_http
    ):
        snap = make_snapshot()
        await emit(scoring_app, snap)
        await pump(sync_app)
        await fake_http.put("/admin/faults", json={"error_rate": 1.0})
        sync_app.state.settings.max_attempts = 2
        await returned(scoring_app, snap)
        await pump(sync_app)
        (d,) = (await status(seeded))["deliveries"]
        assert d["withdrawal"]["state"] == "dead"
        assert "503" in d["withdrawal"]["last_error"]
        assert [a["outcome"] for a in d["attempt_log"]] == ["delivered", "withdraw_retry", "withdraw_dead"]
        assert d["current"] is False  # returned: it no longer stands, even before CSDL is told
        url = f"/api/v1/sync/withdrawals/{d['withdrawal']['id']}/resend"
        assert (await seeded.post(url, headers=HEAD)).status_code == 403
        await fake_http.put("/admin/faults", json={})
        r = await seeded.post(url, headers=OFFICER_A)
        assert r.status_code == 200, r.text
        assert (await seeded.post(url, headers=OFFICER_A)).status_code == 409
        await pump(sync_app)
        (d,) = (await status(seeded))["deliveries"]
        assert d["state"] == "withdrawn"

    async def test_answer_lost_after_commit_is_withdrawn_once(self, seeded, sync_app, scoring_app, fake_http):
        snap = make_snapshot()
        await emit(scoring_app, snap)
        await pump(sync_app)
        await fake_http.put("/admin/faults", json={"drop_after_commit_rate": 1.0})
        await returned(scoring_app, snap)
        await sync_app.state.runtime.consumer.run_once()
        await sync_app.state.runtime.withdrawals.run_once()
        await fake_http.put("/admin/faults", json={})
        await pump(sync_app)
        (d,) = (await status(seeded))["deliveries"]
        assert d["state"] == "withdrawn"
        n = await fake_counts(fake_http)
        assert n["withdrawals_per_receipt"] == {d["receipt_id"]: 1}


class TestTimelinessCountsTheResultThatStands:
    async def _set_receipt_times(self, app: Any, times: dict[int, datetime]) -> None:
        async with app.state.session_factory() as s:
            for j in await DeliveryRepository(s).all():
                if j.school_code == "79701001" and j.version in times:
                    j.receipt_at = times[j.version]
            await s.commit()

    async def test_withdrawn_on_time_result_no_longer_counts(self, seeded, sync_app, scoring_app):
        params = {"school_year": YEAR, "kind": "self"}
        await emit(scoring_app, make_snapshot(version=3))
        await pump(sync_app)
        await self._set_receipt_times(sync_app, {3: datetime(2025, 5, 20, tzinfo=UTC)})
        r = await seeded.get("/api/v1/sync/timeliness", params=params, headers=SO_OFFICER)
        row = {s["school_code"]: s for s in r.json()["items"]}["79701001"]
        assert row["status"] == "on_time"
        await returned(scoring_app, make_snapshot(version=3))
        await pump(sync_app)
        r = await seeded.get("/api/v1/sync/timeliness", params=params, headers=SO_OFFICER)
        row = {s["school_code"]: s for s in r.json()["items"]}["79701001"]
        assert row["status"] == "missing"
        assert len(row["withdrawn_receipt_ids"]) == 1
        # re-approved after the deadline: the result that stands is late
        await emit(scoring_app, make_snapshot(version=5, content="v5"))
        await pump(sync_app)
        await self._set_receipt_times(sync_app, {5: datetime(2025, 6, 3, tzinfo=UTC)})
        r = await seeded.get("/api/v1/sync/timeliness", params=params, headers=SO_OFFICER)
        row = {s["school_code"]: s for s in r.json()["items"]}["79701001"]
        assert row["status"] == "late"
        at_risk = await seeded.get(
            "/api/v1/sync/at-risk", params={**params, "as_of": "2025-05-25"}, headers=ADMIN
        )
        assert "79701001" not in {s["school_code"] for s in at_risk.json()["items"]}

    async def test_export_leaves_out_a_withdrawn_result(self, seeded, sync_app, scoring_app):
        snap = make_snapshot()
        await emit(scoring_app, snap)
        await pump(sync_app)
        await returned(scoring_app, snap)
        await pump(sync_app)
        r = await seeded.get(f"/api/v1/sync/exports/{YEAR}.xlsx", headers=HEAD)
        assert r.status_code == 200
        assert sheet(r.content) == []


class TestThroughScoringsApi:
    """The same rule with the events scoring itself emits: approve, deliver, return, withdraw."""

    async def test_officer_return_after_delivery_withdraws_it(
        self, seeded, scoring_http, sync_app, fake_http
    ):
        first = datetime.now(UTC).year if datetime.now(UTC).month >= 9 else datetime.now(UTC).year - 1
        year = f"{first}-{first + 1}"  # the current school year: writes to it are open
        url = f"/api/v1/schools/79701001/assessments/{year}/self"
        r = await scoring_http.put(url, json={"facts": FULL, "evidence_ids": []}, headers=S_VENDOR)
        assert r.status_code == 201, r.text
        assert (await scoring_http.post(url + "/submit", json={}, headers=S_VENDOR)).status_code == 200
        assert (await scoring_http.post(url + "/approve", json={}, headers=S_HEAD)).status_code == 200
        await pump(sync_app)
        st = (await seeded.get(f"/api/v1/sync/schools/79701001/years/{year}", headers=HEAD)).json()
        (d,) = st["deliveries"]
        assert (d["state"], st["current"]["self"]) == ("delivered", d["id"])
        body = {"reason": "Thiếu minh chứng", "item_comments": {"1.1": "Bổ sung quyết định"}}
        r = await scoring_http.post(url + "/return", json=body, headers=S_OFFICER)
        assert r.status_code == 200, r.text
        await pump(sync_app)
        st = (await seeded.get(f"/api/v1/sync/schools/79701001/years/{year}", headers=HEAD)).json()
        (d,) = st["deliveries"]
        assert d["state"] == "withdrawn"
        assert d["withdrawal"]["detail"] == "Thiếu minh chứng"
        assert st["current"]["self"] is None
        n = await fake_counts(fake_http)
        assert n["withdrawals_per_receipt"] == {d["receipt_id"]: 1}
