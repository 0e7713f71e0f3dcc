"""Throughput of `POST /api/v1/frameworks/{id}/score` next to a bare FastAPI endpoint that returns a
constant body of the same size, both under the same uvicorn settings, loaded by wrk in the same run.
The server gets one core (one uvicorn worker), the load generator the other."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from services.scoring.frameworks.examples import PRIMARY_SCHOOL

TARGET_RATIO = 0.6
# every service refuses to start without its internal secret; the preview never uses it
SCORING_ENV = {"SCORING_INTERNAL_SECRET": "bench-preview-secret-0123456789"}
PATH = "/api/v1/frameworks/qd4725-2022/score"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _serve(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(cmd, env={**os.environ, **env})
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def _wrk(port: int, body: bytes, seconds: float) -> float:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    script.write(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    script.close()
    wrk = shutil.which("wrk")
    assert wrk
    out = subprocess.run(
        [wrk, "-t1", "-c32", f"-d{int(seconds)}s", "-s", script.name, f"http://127.0.0.1:{port}{PATH}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(script.name).unlink()
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} failed responses:\n{out}")
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert m, out
    return float(m.group(1))


def main(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        print("  wrk is needed for this benchmark: apt-get install wrk")
        return
    body = json.dumps(PRIMARY_SCHOOL).encode()
    port = _free_port()
    scoring = _serve("services.scoring.main:create_app", port, SCORING_ENV)
    try:
        import httpx

        sample = httpx.post(
            f"http://127.0.0.1:{port}{PATH}", content=body, headers={"content-type": "application/json"}
        )
        sample.raise_for_status()
        size = len(sample.content)
        preview_rps = _wrk(port, body, args.seconds)
    finally:
        scoring.send_signal(signal.SIGTERM)
        scoring.wait()
    bare_port = _free_port()
    bare = _serve("bench.bare:create_app", bare_port, {"BENCH_BODY_SIZE": str(size)})
    try:
        bare_rps = _wrk(bare_port, body, args.seconds)
    finally:
        bare.send_signal(signal.SIGTERM)
        bare.wait()
    ratio = preview_rps / bare_rps
    print(f"  response body: {size} bytes; wrk 1 thread, 32 connections, {args.seconds:.0f} s each")
    print(f"  bare FastAPI endpoint (constant body): {bare_rps:10.0f} req/s")
    print(f"  score preview:                         {preview_rps:10.0f} req/s")
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"  ratio preview/bare: {ratio:.2f} (target ≥ {TARGET_RATIO}: {verdict})")
