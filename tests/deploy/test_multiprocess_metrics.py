"""Two uvicorn workers of one service (`python -m services.serve scoring --workers 2`): whichever
worker answers a scrape, the request counters are the sum over both (Prometheus multiprocess mode,
set up by `services.serve`)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from services.serve import SERVICE_ENV
from shared.observability import MULTIPROC_ENV, prepare_multiprocess

pytestmark = pytest.mark.slow
REQUESTS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthz_count(metrics: str) -> float:
    pattern = r'chiso_http_requests_total\{[^}]*route="/healthz"[^}]*status="200"[^}]*\} (\S+)'
    return sum(float(v) for v in re.findall(pattern, metrics))


def hit(url: str) -> int:
    with httpx.Client() as c:  # a new connection each: the kernel spreads them over the workers
        return c.get(url + "/healthz").status_code


def test_two_workers_counters_add_up(tmp_path: Path):
    db = tmp_path / "scoring.db"
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "SCORING_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "SCORING_INTERNAL_SECRET": "test-internal-secret",  # no service starts without one
        MULTIPROC_ENV: str(metrics_dir),
    }
    env.pop(SERVICE_ENV, None)
    subprocess.run(
        [sys.executable, "-m", "services.migrate_all", "scoring"], env=env, check=True, timeout=120
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("wb")
    cmd = [sys.executable, "-m", "services.serve", "scoring", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, env={**env, "SCORING_MIGRATE_ON_START": "false"}, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        pids: set[str] = set()
        while len(pids) < 2:  # both workers up: each has written its own metrics file
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                hit(url)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            pids = {re.sub(r"\D", "", p.name) for p in metrics_dir.glob("counter_*.db")}
        base = healthz_count(httpx.get(url + "/metrics").text)
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(hit, [url] * REQUESTS)) == {200}
        pids = {re.sub(r"\D", "", p.name) for p in metrics_dir.glob("counter_*.db")}
        assert len(pids) == 2  # two processes counted
        for _ in range(4):  # every scrape, whichever worker answers it, reports the total
            assert healthz_count(httpx.get(url + "/metrics").text) == base + REQUESTS
    finally:
        proc.terminate()
        proc.wait(30)


def test_one_worker_needs_no_directory_and_stale_files_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv(MULTIPROC_ENV, "")
    monkeypatch.delenv(MULTIPROC_ENV)
    assert prepare_multiprocess(1) is None
    assert MULTIPROC_ENV not in os.environ
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    (tmp_path / "counter_123.db").write_bytes(b"old")
    assert prepare_multiprocess(2) == str(tmp_path)
    assert list(tmp_path.iterdir()) == []
