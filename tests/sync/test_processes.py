"""Integration against the fake CSDL as a separate process, with worker processes.

Run on PostgreSQL only: several worker processes claiming from one database is the production
deployment (row locks, `FOR UPDATE SKIP LOCKED`); the embedded SQLite mode runs one process by
design, and its single-claim fallback is covered in-process by test_pipeline."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.deliveries.repository import DeliveryRepository
from shared.db import utcnow
from tests.conftest import SECRET
from tests.sync.factories import make_snapshot

pytestmark = [pytest.mark.slow, pytest.mark.commits]  # worker processes with their own connections
ONLY_DELIVERIES = ("--no-feed", "--no-webhooks", "--no-reconcile")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("multi-process claiming is the PostgreSQL deployment; SQLite runs one process")


@pytest.fixture
def fake_url(pg: None) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "FAKE_CSDL_CLIENT_ID": "c", "FAKE_CSDL_CLIENT_SECRET": "s"}
    proc = subprocess.Popen([sys.executable, "-m", "services.sync.fake_csdl", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("fake CSDL did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
async def admin(fake_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake_url, timeout=10) as c:
        yield c


class Workers:
    def __init__(self, db_url: str, csdl_url: str) -> None:
        self.db_url, self.csdl_url = db_url, csdl_url
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Path] = {}
        self._dir = Path(tempfile.mkdtemp(prefix="sync-workers-"))

    def start(self, **env_over: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "SYNC_DATABASE_URL": self.db_url,
            "SYNC_CSDL_URL": self.csdl_url,
            "SYNC_CSDL_CLIENT_ID": "c",
            "SYNC_CSDL_CLIENT_SECRET": "s",
            "SYNC_INTERNAL_SECRET": SECRET,
            "SYNC_ENVIRONMENT": "test",
            "SYNC_MIGRATE_ON_START": "false",
            "SYNC_IDLE_POLL_SECONDS": "0.05",
            "SYNC_BACKOFF_BASE_SECONDS": "0.05",
            **env_over,
        }
        # the log goes to a file: a pipe nobody drains would block a chatty worker
        log = self._dir / f"worker-{len(self.procs)}.log"
        with log.open("wb") as out:
            p = subprocess.Popen(
                [sys.executable, "-m", "services.sync.worker", *ONLY_DELIVERIES, "--workers", "2"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(p)
        self.logs[p.pid] = log
        return p

    async def ready(self, p: subprocess.Popen[bytes]) -> None:
        """Wait for the process's "ready" log line (its loops are running)."""
        deadline = time.monotonic() + 60
        while b"sync worker ready" not in self.logs[p.pid].read_bytes():
            assert p.poll() is None, self.logs[p.pid].read_text(errors="replace")
            assert time.monotonic() < deadline, "the worker never became ready"
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            p.wait(10)


@pytest.fixture
def workers(fake_url: str, sync_url: str) -> Iterator[Workers]:
    w = Workers(sync_url, fake_url)
    yield w
    w.stop()


async def enqueue_many(factory: async_sessionmaker[AsyncSession], n: int) -> None:
    async with factory() as s:
        repo = DeliveryRepository(s)
        for i in range(n):
            snap = make_snapshot(school_code=f"7970{i:04d}", content=f"c{i}")
            await repo.enqueue(
                snap, i + 1, snap.approval.at.date() if snap.approval else utcnow().date(), utcnow()
            )
        await s.commit()


async def wait_delivered(factory: async_sessionmaker[AsyncSession], n: int, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with factory() as s:
            if (await DeliveryRepository(s).counts_by_state()).get("delivered", 0) == n:
                return
        await asyncio.sleep(0.1)
    async with factory() as s:
        pytest.fail(f"not all delivered: {await DeliveryRepository(s).counts_by_state()}")


async def counts(admin: httpx.AsyncClient) -> dict[str, Any]:
    r: dict[str, Any] = (await admin.get("/admin/counts")).json()
    return r


async def receipts_match(factory: async_sessionmaker[AsyncSession], admin: httpx.AsyncClient) -> None:
    """Every stored receipt is the one CSDL holds for that content."""
    tok = (
        await admin.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}
        )
    ).json()["access_token"]
    async with factory() as s:
        jobs = await DeliveryRepository(s).all()
    for j in jobs:
        r = await admin.get(
            f"/api/v1/chuyen-doi-so/ket-qua/{j.receipt_id}", headers={"Authorization": f"Bearer {tok}"}
        )
        assert r.status_code == 200
        assert r.json()["submission"]["content_hash"] == j.content_hash


class TestProcesses:
    async def test_two_worker_processes_never_double_send(self, factory, workers, admin):
        n = 80
        await admin.put("/admin/faults", json={"latency_ms": 30})
        both = [workers.start(), workers.start()]
        for p in both:
            await workers.ready(p)
        await enqueue_many(factory, n)  # only once both are polling, so both take part
        await wait_delivered(factory, n)
        c = await counts(admin)
        assert c["records"] == n
        assert set(c["records_per_content"].values()) == {1}
        assert set(c["requests_per_key"].values()) == {1}  # not even a replay: no key sent twice
        async with factory() as s:
            claimers = {
                j.claimed_by.rsplit("-", 1)[0] for j in await DeliveryRepository(s).all() if j.claimed_by
            }
        assert len(claimers) == 2  # both processes took part
        await receipts_match(factory, admin)

    async def test_sigkill_mid_delivery_loses_nothing_and_sends_nothing_twice(self, factory, workers, admin):
        n = 12
        await admin.put("/admin/faults", json={"latency_ms": 1500})
        await enqueue_many(factory, n)
        victim = workers.start(SYNC_LEASE_SECONDS="2", SYNC_CLAIM_BATCH="4")
        for _ in range(300):
            if (await counts(admin))["requests"] > 0:
                break
            await asyncio.sleep(0.02)
        else:
            pytest.fail("the worker never reached CSDL")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        in_flight = set((await counts(admin))["requests_per_key"])
        assert in_flight  # requests were mid-way when the worker died
        await admin.put("/admin/faults", json={})
        workers.start(SYNC_LEASE_SECONDS="2")
        await wait_delivered(factory, n)
        c = await counts(admin)
        assert c["records"] == n
        assert set(c["records_per_content"].values()) == {1}
        assert set(c["records_per_key"].values()) == {1}
        # the killed worker's requests were sent again with their key and answered with the receipt
        assert all(c["requests_per_key"][k] >= 2 for k in in_flight)
        await receipts_match(factory, admin)
