"""Delivery of results to the fake CSDL server (a separate process, over real HTTP), by the sync
service's own workers: once with no faults, once with 10% transient 5xx and 1% 429 (Retry-After
1 s). Every result must be recorded exactly once (the fake's per-content counts prove it); the
faulty run's elapsed time is given as a ratio to the clean run (target ≤ 1.2 at 3,000 and at
30,000 results), with throughput.

Defaults to 3,000 results on SQLite so it finishes in well under a minute; `--sync-n 30000` for
the full national figure and `--sync-db postgresql+asyncpg://…` for PostgreSQL (the production
database, where workers claim with `FOR UPDATE SKIP LOCKED`). Backoff uses the production
settings (base 1 s, full jitter); the jobs are inserted before the clock starts. With
`--sync-rounds R` clean and faulty runs alternate R times (fairer on a machine whose load changes).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import col

from services.sync.config import MIGRATIONS, SyncSettings
from services.sync.deliveries.models import DeliveryJob
from services.sync.deliveries.repository import DeliveryRepository, idempotency_key
from services.sync.runtime import Runtime
from shared.contracts import AssessmentSnapshot
from shared.db import create_engine, session_factory, utcnow
from shared.migrate import upgrade

TARGET_RATIO = 1.2  # issue 20: the last retries' backoff must not dominate a small run
FAULTS = {"error_rate": 0.10, "rate_limit_rate": 0.01, "retry_after_seconds": 1}


@dataclass
class Run:
    label: str
    n: int
    seconds: float
    counts: dict[str, Any]
    # seconds from the start until 99% of the results, and the last one, were recorded: the gap is
    # the run's tail (the few sends still waiting out a backoff or a Retry-After)
    p99: float
    last: float

    @property
    def exactly_once(self) -> bool:
        c = self.counts
        return (
            c["records"] == self.n
            and set(c["records_per_content"].values()) == {1}
            and set(c["records_per_key"].values()) == {1}
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _snapshot(i: int) -> dict[str, Any]:
    code = f"{79000000 + i:08d}"
    return AssessmentSnapshot.model_validate(
        {
            "assessment_id": f"a-{i}",
            "school_code": code,
            "province_code": "79",
            "school_year": "2024-2025",
            "kind": "self",
            "framework": "qd4725-2022@1",
            "version": 3,
            "state": "approved",
            "groups": [
                {"code": "1", "points": "62.00", "level": 2, "mandatory_met": True, "criteria": []},
                {"code": "2", "points": "40.00", "level": 1, "mandatory_met": True, "criteria": []},
            ],
            "approval": {"by": "head", "at": "2025-05-10T03:00:00Z"},
            "content_hash": f"{i:064x}",
        }
    ).model_dump(mode="json")


async def _fresh_db(url: str | None, tag: str) -> str:
    if not url:
        path = Path(tempfile.mkdtemp(prefix="chiso-bench-")) / f"sync_{tag}.db"
        db = f"sqlite+aiosqlite:///{path}"
    else:
        u = make_url(url)
        name = f"bench_sync_{tag}"
        admin = create_async_engine(u, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await admin.dispose()
        db = u.set(database=name).render_as_string(hide_password=False)
    await upgrade(MIGRATIONS, db)
    return db


async def _seed(db: str, n: int) -> None:
    engine = create_engine(db)
    now = utcnow()
    rows = []
    for i in range(n):
        snap = _snapshot(i)
        rows.append(
            {
                "id": f"job-{i:08d}",
                "idempotency_key": idempotency_key(
                    snap["school_code"], "2024-2025", "self", snap["content_hash"]
                ),
                "school_code": snap["school_code"],
                "province_code": "79",
                "school_year": "2024-2025",
                "kind": "self",
                "assessment_id": snap["assessment_id"],
                "version": 3,
                "content_hash": snap["content_hash"],
                "event_id": i + 1,
                "payload": snap,
                "deadline": now.date(),
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    async with engine.begin() as conn:
        for k in range(0, n, 2000):
            await conn.execute(insert(DeliveryJob.__table__), rows[k : k + 2000])  # type: ignore[attr-defined]
    await engine.dispose()


async def _run(
    label: str, n: int, fake: str, db_url: str | None, faults: dict[str, Any], workers: int
) -> Run:
    async with httpx.AsyncClient(base_url=fake) as admin:
        await admin.post("/admin/reset")
        await admin.put("/admin/faults", json=faults)
        db = await _fresh_db(db_url, label)
        await _seed(db, n)
        settings = SyncSettings(
            database_url=db,
            csdl_url=fake,
            migrate_on_start=False,
            environment="test",
            workers=workers,
            claim_batch=8,
            csdl_max_connections=8,
            idle_poll_seconds=0.05,
            max_attempts=20,
            internal_secret="bench-internal-secret",
        )
        engine = create_engine(settings.database_url)
        factory = session_factory(engine)
        runtime = Runtime(settings, factory)
        t0, started = time.perf_counter(), utcnow()
        runtime.start(feed=False, webhooks=False, reconcile=False)
        while True:
            await asyncio.sleep(0.1)
            async with factory() as s:
                states = await DeliveryRepository(s).counts_by_state()
            if states.get("delivered", 0) + states.get("dead", 0) >= n:
                break
        elapsed = time.perf_counter() - t0
        await runtime.stop()
        p99, last = await _tail(factory, started, n)
        await engine.dispose()
        counts = (await admin.get("/admin/counts")).json()
    return Run(label, n, elapsed, counts, p99, last)


async def _tail(factory: Any, started: datetime, n: int) -> tuple[float, float]:
    """Seconds after `started` by which 99% of the results, and all of them, were delivered."""
    delivered_at = col(DeliveryJob.delivered_at)
    q = select(delivered_at).where(delivered_at.is_not(None))
    async with factory() as s:
        times = sorted((t if t.tzinfo else t.replace(tzinfo=UTC)) for t in (await s.execute(q)).scalars())
    if not times:
        return 0.0, 0.0
    at = [(t - started).total_seconds() for t in times]
    return at[min(len(at), max(1, round(0.99 * n))) - 1], at[-1]


def _line(r: Run) -> None:
    injected = ", ".join(f"{k}: {v}" for k, v in sorted(r.counts["faults_injected"].items())) or "none"
    print(
        f"  {r.label:<8} {r.n:>6} results  {r.seconds:7.2f} s  {r.n / r.seconds:8.0f} deliveries/s  "
        f"99% by {r.p99:6.2f} s, last {r.last:6.2f} s  "
        f"requests {r.counts['requests']:>6}  faults injected [{injected}]  "
        f"exactly once: {'yes' if r.exactly_once else 'NO'}",
        flush=True,
    )


async def _main(n: int, db_url: str | None, workers: int, fake: str, rounds: int) -> None:
    async with httpx.AsyncClient() as c:
        for _ in range(200):
            try:
                if (await c.get(f"{fake}/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    backend = make_url(db_url).get_backend_name() if db_url else "sqlite"
    print(f"  database: {backend}; {workers} workers × 8 concurrent sends; {rounds} round(s)", flush=True)
    # clean and faulty runs alternate, so a change in the machine's load affects both alike
    clean_s = faulty_s = 0.0
    once = True
    for _ in range(rounds):
        clean = await _run("clean", n, fake, db_url, {}, workers)
        _line(clean)
        faulty = await _run("faults", n, fake, db_url, FAULTS, workers)
        _line(faulty)
        clean_s, faulty_s = clean_s + clean.seconds, faulty_s + faulty.seconds
        once = once and clean.exactly_once and faulty.exactly_once
    ratio = faulty_s / clean_s
    verdict = "met" if ratio <= TARGET_RATIO and once else "NOT met"
    total = rounds * n
    print(
        f"  faults: {total / faulty_s:.0f} deliveries/s, clean: {total / clean_s:.0f} deliveries/s; "
        f"ratio faults/clean: {ratio:.2f} (target ≤ {TARGET_RATIO}): {verdict}",
        flush=True,
    )


def main(args: argparse.Namespace) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "services.sync.fake_csdl", "--port", str(port)])
    try:
        asyncio.run(
            _main(args.sync_n, args.sync_db, args.sync_workers, f"http://127.0.0.1:{port}", args.sync_rounds)
        )
    finally:
        proc.terminate()
        proc.wait(10)
