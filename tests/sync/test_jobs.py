"""Sync's scheduled jobs through the internal trigger, as the scheduler calls them: a slot runs
once and is recorded; at-risk announcements go out once per school and day; e-mail reminders
reach a real SMTP server (aiosmtpd, started here) once, in Vietnamese."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from services.scoring.assessments.models import Assessment, State
from services.sync import jobs as sync_jobs
from services.sync.deadlines.announcements import AtRiskAnnouncement
from services.sync.webhooks.models import WebhookDelivery
from shared.contracts import AssessmentKind
from shared.principal import Role
from tests.org import who

SCHEDULER = who("scheduler", Role.SERVICE, all_orgs=True)
ADMIN = who("admin", Role.ADMIN, all_orgs=True)
VENDOR = who("vendor-smas", Role.VENDOR_CLIENT, schools=("79701001", "79701002"))
SLOT_1, SLOT_2 = "2025-05-25T00:00:00+00:00", "2025-05-25T06:00:00+00:00"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Any:
    def set_day(d: date) -> None:
        monkeypatch.setattr(sync_jobs, "today_vn", lambda: d)

    set_day(date(2025, 5, 25))  # school year 2024-2025, six days before the self deadline
    return set_day


@pytest.fixture
async def seeded(
    scoring_http: httpx.AsyncClient, client: httpx.AsyncClient, province: None
) -> httpx.AsyncClient:
    return client


async def run(client: httpx.AsyncClient, job: str, slot: str) -> dict[str, Any]:
    r = await client.post(f"/internal/v1/jobs/{job}/runs", json={"slot": slot}, headers=SCHEDULER)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def count(app: Any, q: Any) -> int:
    async with app.state.session_factory() as s:
        return int((await s.execute(q)).scalar_one())


class TestRunRecords:
    async def test_a_slot_runs_once_and_its_record_is_listed(self, seeded, sync_app, today):
        first = await run(seeded, "at-risk-announce", SLOT_1)
        assert (first["outcome"], first["ran_now"]) == ("ok", True)
        again = await run(seeded, "at-risk-announce", SLOT_1)
        assert (again["ran_now"], again["finished_at"]) == (False, first["finished_at"])
        r = await seeded.get("/internal/v1/jobs", headers=ADMIN)
        by = {j["job"]: j for j in r.json()}
        assert set(by) == {"at-risk-announce", "reminders"}
        assert by["at-risk-announce"]["last_run"]["outcome"] == "ok"
        assert by["at-risk-announce"]["last_success_at"] == first["finished_at"]
        assert by["reminders"]["last_run"] is None

    async def test_only_services_and_admins_trigger(self, seeded, sync_app):
        r = await seeded.post("/internal/v1/jobs/reminders/runs", json={}, headers=VENDOR)
        assert r.status_code == 403
        r = await seeded.post("/internal/v1/jobs/nope/runs", json={}, headers=SCHEDULER)
        assert r.status_code == 404

    async def test_a_failed_run_is_recorded_retried_and_shown_in_metrics(
        self, seeded, sync_app, today, monkeypatch
    ):
        async def broken(_: date) -> list[Any]:
            raise RuntimeError("scoring is down")

        monkeypatch.setattr(sync_app.state.scoring, "schools_open", lambda *a, **k: broken(date.today()))
        failed = await run(seeded, "at-risk-announce", SLOT_1)
        assert (failed["outcome"], failed["detail"]["error"]) == ("failed", "RuntimeError")
        metrics = (await seeded.get("/metrics")).text
        assert 'chiso_job_last_run_ok{job="at-risk-announce",service="sync"} 0.0' in metrics
        monkeypatch.undo()
        today(date(2025, 5, 25))
        retried = await run(seeded, "at-risk-announce", SLOT_1)
        assert (retried["outcome"], retried["ran_now"]) == ("ok", True)
        metrics = (await seeded.get("/metrics")).text
        assert 'chiso_job_last_run_ok{job="at-risk-announce",service="sync"} 1.0' in metrics
        assert 'chiso_job_last_success_timestamp_seconds{job="at-risk-announce",service="sync"}' in metrics


class TestAtRiskOncePerDay:
    async def test_two_runs_on_one_day_announce_each_school_once(self, seeded, sync_app, today):
        body = {"url": "https://vendor.test/hook", "events": ["deadline.at_risk"]}
        assert (await seeded.post("/api/v1/sync/webhooks", json=body, headers=VENDOR)).status_code == 201
        first = await run(seeded, "at-risk-announce", SLOT_1)
        assert first["detail"]["self"]["announced"] == 4  # every seeded school: none delivered
        second = await run(seeded, "at-risk-announce", SLOT_2)  # a second slot the same day
        assert second["detail"]["self"] == {"at_risk": 4, "announced": 0}
        # the vendor's two schools, once each
        assert await count(sync_app, select(func.count()).select_from(WebhookDelivery)) == 2
        today(date(2025, 5, 26))  # the next day announces again
        third = await run(seeded, "at-risk-announce", "2025-05-26T00:00:00+00:00")
        assert third["detail"]["self"]["announced"] == 4
        assert await count(sync_app, select(func.count()).select_from(AtRiskAnnouncement)) == 8

    async def test_the_admin_route_announces_once_per_day_too(self, seeded, sync_app):
        body = {"url": "https://vendor.test/hook", "events": ["deadline.at_risk"]}
        assert (await seeded.post("/api/v1/sync/webhooks", json=body, headers=VENDOR)).status_code == 201
        for _ in range(2):  # today, in the past year's terms: every school is late, so at risk
            r = await seeded.post(
                "/api/v1/sync/at-risk/announce", params={"school_year": "2024-2025"}, headers=ADMIN
            )
            assert (r.status_code, len(r.json()["items"])) == (200, 4)
        assert await count(sync_app, select(func.count()).select_from(WebhookDelivery)) == 2


async def contacts(client: httpx.AsyncClient, unit: str, *entries: tuple[str, str]) -> None:
    body = {"contacts": [{"email": e, "role": role, "name": "Nguyễn Văn A"} for e, role in entries]}
    r = await client.put(f"/api/v1/sync/reminders/contacts/{unit}", json=body, headers=ADMIN)
    assert r.status_code == 200, r.text


async def add_assessment(scoring_app: Any, school: str, kind: str, state: str) -> None:
    async with scoring_app.state.session_factory() as s:
        s.add(Assessment(id=str(uuid.uuid4()), school_code=school, school_year="2024-2025",
                         kind=AssessmentKind(kind), framework="qd4725@1", state=State(state)))  # fmt: skip
        await s.commit()


class TestReminders:
    @pytest.fixture(autouse=True)
    def _smtp_settings(self, sync_app, smtp):
        _, port = smtp
        update = {"smtp_host": "127.0.0.1", "smtp_port": port, "reminder_days": [6, 7]}
        sync_app.state.settings = sync_app.state.settings.model_copy(update=update)

    async def test_heads_of_schools_not_approved_get_one_vietnamese_mail(
        self, seeded, sync_app, scoring_app, smtp, today
    ):
        inbox, _ = smtp
        await contacts(seeded, "79701001", ("hieutruong1@truong.edu.vn", "head"))
        await contacts(seeded, "79701002", ("hieutruong2@truong.edu.vn", "head"))
        await contacts(seeded, "phong-797-a", ("phong@pgd.edu.vn", "officer"))
        await add_assessment(scoring_app, "79701002", "self", "approved")  # already done: no reminder
        out = await run(seeded, "reminders", SLOT_1)
        assert (out["outcome"], out["detail"]["sent"]) == ("ok", 1), out
        [mail] = inbox.messages
        assert mail["To"] == "hieutruong1@truong.edu.vn"
        assert "Còn 6 ngày đến hạn nộp kết quả tự đánh giá năm học 2024-2025" in mail["Subject"]
        text = mail.get_content()
        assert "31/05/2025" in text
        assert "chưa bắt đầu" in text
        again = await run(seeded, "reminders", SLOT_2)  # same day, new slot: the sent-log stops it
        assert (again["ran_now"], again["detail"]["sent"]) == (True, 0)
        assert len(inbox.messages) == 1

    async def test_officers_are_reminded_of_their_waiting_queue(
        self, seeded, sync_app, scoring_app, smtp, today
    ):
        inbox, _ = smtp
        today(date(2025, 6, 13))  # seven days before the external deadline (20/6)
        await contacts(seeded, "phong-797-a", ("phong@pgd.edu.vn", "officer"))
        await add_assessment(scoring_app, "79701001", "self", "approved")  # waits for acceptance
        await add_assessment(scoring_app, "79701002", "external", "concluded")  # waits for recognition
        out = await run(seeded, "reminders", SLOT_1)
        assert out["detail"]["sent"] == 1, out
        [mail] = inbox.messages
        assert mail["To"] == "phong@pgd.edu.vn"
        assert "2 hồ sơ đang chờ xử lý" in mail["Subject"]
        assert "79701001" in mail.get_content()
        assert "79701002" in mail.get_content()

    async def test_days_before_are_set_per_province(self, seeded, sync_app, smtp, today):
        inbox, _ = smtp
        settings = sync_app.state.settings
        sync_app.state.settings = settings.model_copy(update={"reminder_days_by_province": {"79": [10]}})
        await contacts(seeded, "79701001", ("hieutruong1@truong.edu.vn", "head"))
        out = await run(seeded, "reminders", SLOT_1)  # six days left: not a day province 79 reminds
        assert out["detail"]["sent"] == 0
        assert inbox.messages == []
