"""The production topology, for real: every service its own uvicorn process on a loopback port
(started the way the image starts it: `python -m services.serve <service>`), one PostgreSQL
database per service brought to head by the migration job (`python -m services.migrate_all`),
an S3-compatible server process (moto) for evidence blobs, Redis for the gateway's rate limits,
two sync worker processes and the fake CSDL ngành. Driven end to end through the gateway only:
tokens, an evidence upload, a self-assessment created, submitted and approved, and the sync
workers deliver it to CSDL exactly once."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.gateway.admin.schemas import ClientCreate, UserCreate
from services.gateway.admin.service import AdminService
from services.sync.jobs import school_year_of, today_vn
from shared.db import create_engine, session_factory
from shared.principal import Role
from tests.conftest import TEST_DATABASE_URL, _pg_url, worker_id
from tests.scoring.test_engine_levels import FULL

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SCHOOL = "79701001"
YEAR = "2024-2025"
SELF = f"/api/v1/schools/{SCHOOL}/assessments/{YEAR}/self"
PASSWORD = "topology-password"  # a throwaway user of this test's own databases
BUCKET = "chiso-evidence"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_url() -> str | None:
    """The local Redis if one answers (the gateway then shares its rate limits through it)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return "redis://127.0.0.1:6379/15" if s.recv(16).startswith(b"+PONG") else None
    except OSError:
        return None


class Inbox:
    """aiosmtpd handler: keeps every message the system sends."""

    def __init__(self, into: list[Any]) -> None:
        self.into = into

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.into.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def days_to_self_deadline() -> int:
    today = today_vn()
    second_year = int(school_year_of(today)[5:])
    return (date(second_year, 5, 31) - today).days


@dataclass
class Topology:
    logs: Path
    env: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    dbs: dict[str, str] = field(default_factory=dict)
    evidence_env: dict[str, str] = field(default_factory=dict)
    inbox: list[Any] = field(default_factory=list)  # messages the local SMTP server received

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        out = (self.logs / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [sys.executable, *argv], env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )

    def wait_healthy(self, name: str, url: str, path: str = "/healthz", within: float = 60) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            proc = self.procs[name]
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")
            try:
                if httpx.get(url + path, timeout=1).status_code < 500:
                    self.urls[name] = url
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"{name} did not answer on {url}:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 40) -> str:
        return "\n".join((self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])

    def stop_one(self, name: str) -> None:
        proc = self.procs[name]
        proc.terminate()
        proc.wait(15)

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def service_env(prefix: str, database: str, secret: str) -> dict[str, str]:
    return {
        f"{prefix}ENVIRONMENT": "production",
        f"{prefix}INTERNAL_SECRET": secret,
        f"{prefix}DATABASE_URL": _pg_url(database),
        f"{prefix}MIGRATE_ON_START": "false",
        f"{prefix}LOG_JSON": "true",
    }


async def drop_databases(names: list[str]) -> None:
    admin = create_async_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        for name in names:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    if not TEST_DATABASE_URL:
        pytest.skip("the distributed topology runs on PostgreSQL: set TEST_DATABASE_URL")
    tmp = tmp_path_factory.mktemp("topology")
    t = Topology(tmp)
    secret = secrets.token_hex(32)
    dbs = {s: f"test_topology_{s}_{worker_id()}".lower() for s in ("scoring", "evidence", "sync", "gateway")}
    t.dbs = dbs
    smtp = Controller(Inbox(t.inbox), hostname="127.0.0.1", port=free_port())
    smtp.start()
    asyncio.run(drop_databases(list(dbs.values())))
    port = {name: free_port() for name in ("s3", "csdl", "scoring", "evidence", "sync", "gateway")}
    url = {name: f"http://127.0.0.1:{p}" for name, p in port.items()}
    env = {
        **service_env("SCORING_", dbs["scoring"], secret),
        **service_env("EVIDENCE_", dbs["evidence"], secret),
        **service_env("SYNC_", dbs["sync"], secret),
        **service_env("GATEWAY_", dbs["gateway"], secret),
        "GATEWAY_JWT_SECRET": secrets.token_hex(32),
    }
    t.env = env
    csdl = {
        "SYNC_CSDL_URL": url["csdl"],
        "SYNC_CSDL_CLIENT_ID": "topology",
        "SYNC_CSDL_CLIENT_SECRET": "s3cr3t",
    }
    sync = {**csdl, "SYNC_SCORING_URL": url["scoring"], "SYNC_IDLE_POLL_SECONDS": "0.1"}
    # the scheduled jobs of this school year: every school is at risk within a year of its
    # deadline, and a reminder is due today (the number of days left to the self deadline)
    schedule = {
        "SYNC_AT_RISK_WITHIN_DAYS": "366",
        "SYNC_SMTP_HOST": "127.0.0.1",
        "SYNC_SMTP_PORT": str(smtp.port),
        "SYNC_REMINDER_DAYS": f"[{days_to_self_deadline()}]",
    }
    try:
        migrate = subprocess.run(
            [sys.executable, "-m", "services.migrate_all", "--create-databases", "--wait", "30"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        t.start("s3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", str(port["s3"])], {})
        t.start(
            "csdl",
            ["-m", "services.sync.fake_csdl", "--port", str(port["csdl"])],
            {"FAKE_CSDL_CLIENT_ID": "topology", "FAKE_CSDL_CLIENT_SECRET": "s3cr3t"},
        )
        serve = ["-m", "services.serve"]
        # the fixtures' year is a past one: opened explicitly; the calendar is read from sync
        scoring = {
            "SCORING_SYNC_URL": url["sync"],
            "SCORING_EVIDENCE_URL": url["evidence"],
            "SCORING_SCHOOL_YEARS": f'["current", "next", "{YEAR}"]',
        }
        t.start(
            "scoring",
            [*serve, "scoring", "--port", str(port["scoring"]), "--workers", "2"],
            {**env, **scoring},
        )
        t.wait_healthy("s3", url["s3"], "/moto-api/")
        t.wait_healthy("scoring", url["scoring"])  # the others read its feed: compose's order
        httpx.put(f"{url['s3']}/{BUCKET}", timeout=10).raise_for_status()  # create the bucket
        evidence = {
            "EVIDENCE_SCORING_URL": url["scoring"],
            "EVIDENCE_CONSUME_FEED": "true",
            "EVIDENCE_STORAGE": "s3",
            "EVIDENCE_STORAGE_DIR": str(tmp / "evidence"),
            "EVIDENCE_S3_ENDPOINT_URL": url["s3"],
            "EVIDENCE_S3_BUCKET": BUCKET,
            "EVIDENCE_S3_ACCESS_KEY_ID": "topology",
            "EVIDENCE_S3_SECRET_ACCESS_KEY": "topology",
        }
        t.evidence_env = evidence
        t.start("evidence", [*serve, "evidence", "--port", str(port["evidence"])], {**env, **evidence})
        t.start(
            "sync",
            [*serve, "sync", "--port", str(port["sync"])],
            {**env, **sync, **schedule, "SYNC_RUN_WORKERS": "false"},
        )
        for i in (1, 2):
            beat = {"SYNC_HEARTBEAT_FILE": str(tmp / f"worker-{i}.heartbeat"), "SYNC_HEARTBEAT_SECONDS": "1"}
            worker = ["-m", "services.sync.worker", "--workers", "2"]
            t.start(f"sync-worker-{i}", worker, {**env, **sync, **beat})
        gateway = {
            "GATEWAY_SCORING_URL": url["scoring"],
            "GATEWAY_EVIDENCE_URL": url["evidence"],
            "GATEWAY_SYNC_URL": url["sync"],
        }
        if (redis := redis_url()) is not None:
            gateway["GATEWAY_REDIS_URL"] = redis
        t.start("gateway", [*serve, "gateway", "--port", str(port["gateway"])], {**env, **gateway})
        for name in ("csdl", "evidence", "sync", "gateway"):
            t.wait_healthy(name, url[name])
        asyncio.run(seed_gateway(_pg_url(dbs["gateway"])))
        yield t
    finally:
        t.stop()
        smtp.stop()
    asyncio.run(drop_databases(list(dbs.values())))


async def seed_gateway(database_url: str) -> None:
    """The first accounts: created in the gateway's database, as an operator's bootstrap does."""
    engine = create_engine(database_url)
    async with session_factory(engine)() as s:
        admin = AdminService(s)
        await admin.create_user(
            UserCreate(username="admin", name="admin", password=PASSWORD, roles=[Role.ADMIN], all_orgs=True)
        )
        await admin.create_user(
            UserCreate(
                username="head", name="head", password=PASSWORD, roles=[Role.SCHOOL_HEAD], schools=[SCHOOL]
            )
        )
        await admin.create_user(
            UserCreate(username="so", name="so", password=PASSWORD, roles=[Role.OFFICER], org_units=["so-79"])
        )
        _, _, vendor_secret = await admin.create_client(
            ClientCreate(id="vendor", name="vendor", roles=[Role.VENDOR_CLIENT], schools=[SCHOOL])
        )
        await s.commit()
    await engine.dispose()
    VENDOR_SECRET.append(vendor_secret)


VENDOR_SECRET: list[str] = []


@pytest.fixture
async def gw(topology: Topology) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=topology.urls["gateway"], timeout=30) as c:
        yield c


async def login(gw: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await gw.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def until_visible(
    gw: httpx.AsyncClient, path: str, headers: dict[str, str], state: str | None = None
) -> None:
    """Wait until a write is readable through the gateway (with a state, if given). Services commit
    before answering (test_apps::test_a_write_is_committed_before_its_response_is_sent), so this
    returns at once; it stays so that a regression fails here with a clear message."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = await gw.get(path, headers=headers)
        if r.status_code == 200 and (state is None or r.json().get("state") == state):
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"{path} never showed the write ({state or 'exists'})")


async def seed_org(gw: httpx.AsyncClient, admin: dict[str, str]) -> None:
    units: list[dict[str, Any]] = [
        {"id": "bgd", "kind": "ministry", "name": "Bộ GDĐT"},
        {"id": "so-79", "kind": "department", "name": "Sở GDĐT", "parent_id": "bgd", "province_code": "79"},
        {"id": "phong-797-a", "kind": "district_office", "name": "Phòng GDĐT Quận 1", "parent_id": "so-79",
         "province_code": "79"},
    ]  # fmt: skip
    for u in units:
        r = await gw.post("/api/v1/org/units", json=u, headers=admin)
        assert r.status_code == 201, r.text
        await until_visible(gw, f"/api/v1/org/units/{u['id']}", admin)
    school = {"code": SCHOOL, "name": "Trường Tiểu học Kết Đoàn", "levels": ["TH"],
              "managing_unit_id": "phong-797-a", "opened_on": "2010-09-05"}  # fmt: skip
    r = await gw.post("/api/v1/org/schools", json=school, headers=admin)
    assert r.status_code == 201, r.text
    await until_visible(gw, f"/api/v1/org/schools/{SCHOOL}", admin)


async def csdl_counts(topology: Topology) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=topology.urls["csdl"], timeout=10) as c:
        body: dict[str, Any] = (await c.get("/admin/counts")).json()
        return body


async def s3_objects(topology: Topology) -> int:
    async with httpx.AsyncClient(base_url=topology.urls["s3"], timeout=10) as c:
        listing = (await c.get(f"/{BUCKET}", params={"list-type": "2"})).text
    return listing.count("<Key>")


class TestDistributed:
    async def test_approved_self_assessment_reaches_csdl_exactly_once(self, topology, gw):
        admin = await login(gw, "admin")
        await seed_org(gw, admin)
        r = await gw.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "vendor",
                "client_secret": VENDOR_SECRET[0],
            },
        )
        assert r.status_code == 200, r.text
        vendor = {"Authorization": f"Bearer {r.json()['access_token']}"}

        # evidence through the gateway lands in the S3-compatible store
        r = await gw.post(
            f"/api/v1/schools/{SCHOOL}/evidence",
            data={"school_year": YEAR, "title": "Kế hoạch", "kind": "plan", "items": ["1.1"]},
            files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
            headers=vendor,
        )
        assert r.status_code == 201, r.text
        assert await s3_objects(topology) == 1

        # the fixtures' year is past its edit lock: the Sở opens it for the school (an audited act)
        until = (today_vn() + timedelta(days=7)).isoformat()
        ext = {"reason": "Mở lại để cập nhật", "until": until}
        r = await gw.post(f"{SELF}/extensions", json=ext, headers=await login(gw, "so"))
        assert r.status_code in (200, 201), r.text
        r = await gw.put(SELF, json={"facts": FULL}, headers=vendor)
        assert r.status_code == 201, r.text
        await until_visible(gw, SELF, vendor, "draft")
        r = await gw.post(f"{SELF}/submit", headers={**vendor, "Idempotency-Key": "topology-1"})
        assert (r.status_code, r.json()["state"]) == (200, "submitted")
        await until_visible(gw, SELF, vendor, "submitted")
        head = await login(gw, "head")
        r = await gw.post(f"{SELF}/approve", headers=head)
        assert (r.status_code, r.json()["state"]) == (200, "approved")

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (await csdl_counts(topology))["records"] >= 1:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # room for a wrongful second send to show up
        counts = await csdl_counts(topology)
        assert counts["records"] == 1, (
            counts,
            topology.tail("sync-worker-1"),
            topology.tail("sync-worker-2"),
        )
        assert set(counts["records_per_content"].values()) == {1}

        # the sync API replica (no workers of its own) reports what the worker processes did
        r = await gw.get(f"/api/v1/sync/schools/{SCHOOL}/years/{YEAR}", headers=admin)
        assert r.status_code == 200, r.text
        [delivery] = r.json()["deliveries"]
        assert delivery["state"] == "delivered"
        assert delivery["receipt_id"]
        assert all(topology.procs[f"sync-worker-{i}"].poll() is None for i in (1, 2))

    async def test_every_service_logs_json_lines_with_request_ids(self, topology, gw):
        import json

        assert (await gw.get("/healthz")).status_code == 200
        for name in ("scoring", "evidence", "sync", "gateway"):
            lines = [
                ln for ln in (topology.logs / f"{name}.log").read_text().splitlines() if ln.startswith("{")
            ]
            assert lines, topology.tail(name)
            docs = [json.loads(ln) for ln in lines]
            assert all({"ts", "level", "message", "request_id"} <= set(d) for d in docs)
        secrets_seen = [v for k, v in topology.env.items() if "SECRET" in k]
        for name in topology.procs:
            text = (topology.logs / f"{name}.log").read_text(errors="replace")
            assert not any(s in text for s in secrets_seen), f"a secret in {name}'s log"

    async def test_the_worker_processes_log_json_lines_too(self, topology):
        for name in ("sync-worker-1", "sync-worker-2"):
            lines = [ln for ln in (topology.logs / f"{name}.log").read_text().splitlines() if ln.strip()]
            assert lines
            assert all(ln.startswith("{") for ln in lines), f"{name} logs plain text"

    async def test_every_service_is_ready_and_exposes_metrics(self, topology):
        async with httpx.AsyncClient(timeout=10) as c:
            for name in ("scoring", "evidence", "sync", "gateway"):
                ready = await c.get(topology.urls[name] + "/readyz")
                metrics = await c.get(topology.urls[name] + "/metrics")
                assert ready.status_code == 200, ready.text
                assert "chiso_http_requests_total" in metrics.text


# --- operations: the schedule, the workers' heartbeats, two workers' metrics, a restore drill ---


async def ensure_org(gw: httpx.AsyncClient, admin: dict[str, str]) -> None:
    if (await gw.get(f"/api/v1/org/schools/{SCHOOL}", headers=admin)).status_code == 404:
        await seed_org(gw, admin)


async def rows(topology: Topology, service: str, sql: str) -> int:
    engine = create_async_engine(_pg_url(topology.dbs[service]))
    async with engine.connect() as conn:
        n = int((await conn.execute(text(sql))).scalar_one())
    await engine.dispose()
    return n


async def wait_for_jobs(gw: httpx.AsyncClient, admin: dict[str, str], names: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = await gw.get("/admin/v1/jobs", headers=admin)
        assert r.status_code == 200, r.text
        runs = {j["job"]: j.get("last_run") for j in r.json()["items"]}
        if all(runs.get(n) and runs[n]["outcome"] != "running" for n in names):
            return runs
        await asyncio.sleep(0.3)
    pytest.fail(f"the scheduled jobs {names} did not run: {runs}")


def run_tool(topology: Topology, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **topology.env, **topology.evidence_env}
    return subprocess.run([sys.executable, "-m", *argv], env=env, capture_output=True, text=True, timeout=300)


class TestOperations:
    async def test_the_worker_processes_beat(self, topology):
        await asyncio.sleep(1.5)
        for i in (1, 2):
            probe = ["services.sync.worker.heartbeat", "--file", str(topology.logs / f"worker-{i}.heartbeat")]
            assert run_tool(topology, *probe, "--max-age", "10").returncode == 0

    async def test_scheduled_announcement_and_reminder_fire_once_each(self, topology, gw):
        admin = await login(gw, "admin")
        await ensure_org(gw, admin)
        body = {"contacts": [{"email": "hieutruong@truong.edu.vn", "role": "head", "name": "Cô Hiệu trưởng"}]}
        r = await gw.put(f"/api/v1/sync/reminders/contacts/{SCHOOL}", json=body, headers=admin)
        assert r.status_code == 200, r.text
        scheduler = {
            "SCHEDULER_INTERNAL_SECRET": topology.env["SCORING_INTERNAL_SECRET"],
            "SCHEDULER_SCORING_URL": topology.urls["scoring"],
            "SCHEDULER_EVIDENCE_URL": topology.urls["evidence"],
            "SCHEDULER_SYNC_URL": topology.urls["sync"],
            "SCHEDULER_GATEWAY_URL": topology.urls["gateway"],
            "SCHEDULER_TICK_SECONDS": "0.5",
        }
        argv = ["-m", "services.scheduler", "loop", "--log-json"]
        topology.start("scheduler", argv, scheduler)
        runs = await wait_for_jobs(gw, admin, {"at-risk-announce", "reminders", "import-jobs-expiry"})
        assert runs["import-jobs-expiry"]["outcome"] == "ok", runs
        assert runs["at-risk-announce"]["detail"]["self"]["announced"] == 1, runs
        assert runs["reminders"]["detail"]["sent"] == 1, runs
        # a restarted scheduler (or a second one) catches the same slots up: nothing runs twice
        topology.stop_one("scheduler")
        topology.start("scheduler-2", argv, scheduler)
        trigger_line = '"route": "/internal/v1/jobs/{name}/runs"'
        deadline = time.monotonic() + 60
        while (topology.logs / "sync.log").read_text().count(trigger_line) < 4:  # both schedulers called
            assert time.monotonic() < deadline, topology.tail("scheduler-2")
            await asyncio.sleep(0.3)
        await asyncio.sleep(1)  # room for a wrongful second e-mail to arrive
        assert len(topology.inbox) == 1
        [mail] = topology.inbox
        assert mail["To"] == "hieutruong@truong.edu.vn"
        assert "Còn" in mail["Subject"]
        assert "chưa bắt đầu" in mail.get_content()
        today = today_vn().isoformat()
        announced = (
            f"SELECT count(*) FROM at_risk_announcement WHERE school_code = '{SCHOOL}' AND day = '{today}'"
        )
        assert await rows(topology, "sync", announced) == 2  # one per kind: self and external
        assert await rows(topology, "sync", "SELECT count(*) FROM reminder_sent") == 1
        topology.stop_one("scheduler-2")
        async with httpx.AsyncClient(timeout=10) as c:
            metrics = (await c.get(topology.urls["sync"] + "/metrics")).text
        assert 'chiso_job_last_run_ok{job="reminders",service="sync"} 1.0' in metrics

    def test_two_scoring_workers_metrics_add_up(self, topology):
        """scoring runs two uvicorn workers: a scrape counts the requests of both."""
        pattern = r'chiso_http_requests_total\{[^}]*route="/healthz"[^}]*status="200"[^}]*\} (\S+)'

        def seen() -> float:
            return sum(
                float(v) for v in re.findall(pattern, httpx.get(topology.urls["scoring"] + "/metrics").text)
            )

        before = seen()
        for _ in range(60):
            with httpx.Client() as c:  # a new connection each: both workers answer some
                assert c.get(topology.urls["scoring"] + "/healthz").status_code == 200
        assert [seen() for _ in range(3)] == [before + 60] * 3

    async def test_backup_destroy_restore_drill(self, topology, gw):
        """Write, back up, destroy both stores, restore, and find every row and blob again."""
        admin = await login(gw, "admin")
        await ensure_org(gw, admin)
        vendor = await vendor_token(gw)
        r = await gw.post(
            f"/api/v1/schools/{SCHOOL}/evidence",
            data={"school_year": YEAR, "title": "Báo cáo", "kind": "report", "items": ["1.1"]},
            files={"file": ("bao-cao.pdf", PDF + b"% drill\n", "application/pdf")},
            headers=vendor,
        )
        assert r.status_code == 201, r.text
        evidence_id, sha = r.json()["id"], r.json()["sha256"]
        backup = topology.logs / "backup"
        done = run_tool(topology, "services.backup", "dump", str(backup))
        assert done.returncode == 0, done.stderr[-3000:]
        manifest = json.loads((backup / "manifest.json").read_text())
        assert sha in manifest["blobs"]
        assert manifest["databases"]["evidence"]["evidence"] >= 1
        assert manifest["databases"]["sync"]["job_run"] >= 1

        # destroy: every database dropped, every object deleted
        await drop_databases(list(topology.dbs.values()))
        await asyncio.to_thread(empty_bucket, topology.urls["s3"])
        assert await s3_objects(topology) == 0
        assert run_tool(topology, "services.backup", "check", str(backup)).returncode != 0

        restored = run_tool(topology, "services.backup", "restore", str(backup))
        assert restored.returncode == 0, restored.stderr[-3000:]
        migrated = run_tool(topology, "services.migrate_all", "--wait", "30")
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        checked = run_tool(topology, "services.backup", "check", str(backup))
        assert checked.returncode == 0, checked.stdout + checked.stderr[-2000:]
        assert json.loads(checked.stdout)["ok"] is True
        verified = run_tool(topology, "services.evidence.cli", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr[-2000:]
        assert json.loads(verified.stdout)["checked"] == len(manifest["blobs"])

        # the running services serve the restored data: logins, records and file contents
        admin = await login(gw, "admin")
        r = await gw.get(f"/api/v1/evidence/{evidence_id}/content", headers=admin)
        assert r.status_code == 200, r.text
        assert hashlib.sha256(r.content).hexdigest() == sha
        r = await gw.get(SELF, headers=admin)
        assert (r.status_code, r.json()["state"]) == (200, "approved")


def empty_bucket(endpoint: str) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="topology", aws_secret_access_key="topology")  # fmt: skip
    for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=obj["Key"])


async def vendor_token(gw: httpx.AsyncClient) -> dict[str, str]:
    r = await gw.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "vendor", "client_secret": VENDOR_SECRET[0]},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
