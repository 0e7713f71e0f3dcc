"""Throughput of `POST /api/v1/frameworks/{id}/score` next to a bare FastAPI endpoint that returns a
constant body of the same size, both under the same uvicorn settings, loaded by wrk in the same run.
The server gets one core (one uvicorn worker), the load generator the other.

The load cycles through a pool of different schools' bodies (seeded, reproducible), so nothing that
remembers one body can make the preview look faster; the bare endpoint receives the same pool.
Rounds alternate preview and bare so both share the machine's noise; the figure is the ratio of
the summed request counts. `--preview-workers 2` adds the scaling figure: the preview with two
uvicorn workers against one, in alternating rounds too (on two cores wrk takes a share of the CPU,
which is part of what the figure measures)."""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from services.scoring.frameworks.examples import PRIMARY_SCHOOL

TARGET_RATIO = 0.6
TARGET_SCALING = 1.6
PATH = "/api/v1/frameworks/qd4725-2022/score"
# every service refuses to start without its internal secret; the preview never uses it
SCORING_ENV = {"SCORING_INTERNAL_SECRET": "bench-preview-secret-0123456789"}
POOL = 64


def bodies(n: int = POOL, seed: int = 4725) -> list[bytes]:
    """`n` plausible schools: the example school with its counts, shares, deployments and points
    drawn at random (all valid, so every request is scored)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        b: dict[str, Any] = copy.deepcopy(PRIMARY_SCHOOL)
        b["school_levels"] = rng.choice([["TH"], ["THCS"], ["THPT"], ["TH", "THCS"], ["THCS", "THPT"]])
        for v in b["facts"].values():
            if "deployed" in v:
                v["deployed"] = rng.random() < 0.7
            if "met" in v:
                v["met"] = rng.random() < 0.9
            if "count" in v:
                v["count"] = rng.randint(0, 200)
            if "denominator" in v:
                v["denominator"] = rng.randint(1, 2000)
                v["numerator"] = rng.randint(0, v["denominator"])
            if "class_size" in v:
                v["class_size"], v["lab_computers"] = rng.randint(15, 45), rng.randint(0, 60)
        # points within the cap the facts give (an undeployed item's cap is 0)
        deployed = b["facts"]["1.3.1"]["deployed"]
        b["awarded"] = {"1.3.1": rng.choice([1, 2.5, 3, 4.75])} if deployed and rng.random() < 0.5 else {}
        out.append(json.dumps(b).encode())
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _serve(app: str, port: int, env: dict[str, str], workers: int = 1) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env={**os.environ, **env})
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            time.sleep(0.5 * workers)  # every worker up, not just the first
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait()


def _script(pool: list[bytes]) -> str:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    entries = ",\n".join(json.dumps(b.decode()) for b in pool)
    script.write(
        f"local bodies = {{\n{entries}\n}}\n"
        "local i = 0\n"
        'local headers = {["Content-Type"] = "application/json"}\n'
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        f'  return wrk.format("POST", "{PATH}", headers, bodies[i])\n'
        "end\n"
    )
    script.close()
    return script.name


def _wrk(port: int, script: str, seconds: float) -> float:
    wrk = shutil.which("wrk")
    assert wrk
    out = subprocess.run(
        [wrk, "-t1", "-c32", f"-d{max(1, int(seconds))}s", "-s", script, f"http://127.0.0.1:{port}{PATH}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} failed responses:\n{out}")
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert m, out
    return float(m.group(1))


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        print("  wrk is needed for this benchmark: apt-get install wrk")
        return
    import httpx

    pool = bodies()
    script = _script(pool)
    rounds = max(1, getattr(args, "preview_rounds", 2))
    port, bare_port = _free_port(), _free_port()
    scoring = _serve("services.scoring.main:create_app", port, SCORING_ENV)
    try:
        sizes = []
        for b in pool[:8]:
            r = httpx.post(
                f"http://127.0.0.1:{port}{PATH}", content=b, headers={"content-type": "application/json"}
            )
            r.raise_for_status()
            sizes.append(len(r.content))
        size = sum(sizes) // len(sizes)
        bare = _serve("bench.bare:create_app", bare_port, {"BENCH_BODY_SIZE": str(size)})
        try:
            preview_rps, bare_rps = [], []
            for _ in range(rounds):  # alternate, so both see the same background load
                preview_rps.append(_wrk(port, script, args.seconds))
                bare_rps.append(_wrk(bare_port, script, args.seconds))
        finally:
            _stop(bare)
    finally:
        _stop(scoring)
    ratio = sum(preview_rps) / sum(bare_rps)
    print(f"  {len(pool)} different bodies, response ~{size} bytes; wrk 1 thread, 32 connections")
    print(f"  {rounds} alternating rounds of {args.seconds:.0f} s; one uvicorn worker each")
    print(f"  bare FastAPI endpoint (constant body): {sum(bare_rps) / rounds:10.0f} req/s")
    print(f"  score preview:                         {sum(preview_rps) / rounds:10.0f} req/s")
    print(f"  preview/bare: {ratio:.2f} (goal ≥ {TARGET_RATIO}: {_verdict(ratio >= TARGET_RATIO)})")
    workers = getattr(args, "preview_workers", 1)
    if workers > 1:
        one_rps: list[float] = []
        many_rps: list[float] = []
        for n, into in ((1, one_rps), (workers, many_rps)) * rounds:
            p = _free_port()
            proc = _serve("services.scoring.main:create_app", p, SCORING_ENV, workers=n)
            try:
                into.append(_wrk(p, script, args.seconds))
            finally:
                _stop(proc)
        scale = sum(many_rps) / sum(one_rps)
        print(
            f"  preview with {workers} workers / 1: {scale:.2f} "
            f"({sum(many_rps) / rounds:.0f} / {sum(one_rps) / rounds:.0f} req/s; "
            f"goal ≥ {TARGET_SCALING}: {_verdict(scale >= TARGET_SCALING)})"
        )
    Path(script).unlink()
