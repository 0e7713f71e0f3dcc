"""Two-process scaling of a write path: `PUT …/assessments/{year}/self` on PostgreSQL, the scoring
service with two uvicorn workers against one, on the same machine, loaded by wrk in alternating
rounds (the preview bench's approach: `bench.preview`). Goal: ≥ 1.6.

Every request is a real write: wrk cycles through a registry of schools and a pool of different
facts documents whose sizes are coprime, so each school's next document differs from its last
(an unchanged document writes nothing); `If-Match: *` lets a write replace the draft whatever its
version, as a vendor's nightly upload does. Each request locks the row, scores the document and
writes the assessment, its criterion rows and an audit row in one transaction. The calendar and
evidence services are not called (the documents cite no evidence; the default deadlines apply).

`python -m bench writes [--writes-schools 1000] [--seconds 5] [--preview-rounds 2]`"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.bulk import facts_for
from bench.deadline import DEFAULT_URL, PROVINCE, _codes, _db_url, seed_registry
from bench.preview import _free_port, _serve, _stop, _verdict, _wrk
from services.scoring.config import MIGRATIONS
from services.sync.jobs import school_year_of, today_vn
from shared.migrate import upgrade
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal

TARGET_SCALING = 1.6
SECRET = "bench-writes-secret-0123456789abcdef"
DATABASE = "bench_writes"
BODIES = 61  # coprime with the default number of schools, and with most others


def create_app() -> object:
    """Scoring as configured by the environment, without the calendar and evidence services."""
    from services.scoring.config import ScoringSettings
    from services.scoring.main import create_app as create_scoring

    return create_scoring(ScoringSettings(sync_url=None, evidence_url=None))


async def _fresh(base: str, codes: list[str]) -> str:
    admin = create_async_engine(_db_url(base, "postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    await admin.dispose()
    url = _db_url(base, DATABASE)
    await upgrade(MIGRATIONS, url)
    await seed_registry(url, codes)
    return url


async def _drop(base: str) -> None:
    admin = create_async_engine(_db_url(base, "postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    await admin.dispose()


async def _written(url: str) -> tuple[int, int]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        n = (await conn.execute(text("SELECT count(*) FROM assessment"))).scalar_one()
        audit = (await conn.execute(text("SELECT count(*) FROM assessment_audit"))).scalar_one()
    await engine.dispose()
    return int(n), int(audit)


async def _create_all(port: int, codes: list[str], year: str, principal: str) -> None:
    rnd = random.Random(0)
    headers = {HEADER: principal}
    gate = asyncio.Semaphore(8)

    async def one(c: httpx.AsyncClient, code: str) -> None:
        async with gate:
            path = f"/api/v1/schools/{code}/assessments/{year}/self"
            r = await c.put(path, json={"facts": facts_for(rnd)}, headers=headers)
            if r.status_code != 201:
                raise RuntimeError(f"creating {code}'s draft: {r.status_code} {r.text[:500]}")

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
        await asyncio.gather(*(one(c, code) for code in codes))


def _script(codes: list[str], year: str, principal: str, seed: int, start: int) -> str:
    rnd = random.Random(seed)  # a new pool per load: a school's next document is never its last
    bodies = [json.dumps({"facts": facts_for(rnd)}) for _ in range(BODIES)]
    if len(codes) % BODIES == 0:
        raise ValueError(f"the number of schools must not be a multiple of {BODIES}")
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    script.write(
        "local bodies = {\n" + ",\n".join(json.dumps(b) for b in bodies) + "\n}\n"
        "local schools = {" + ",".join(f'"{c}"' for c in codes) + "}\n"
        f"local i = {start}\n"
        'local headers = {["Content-Type"] = "application/json", ["If-Match"] = "*",\n'
        f'  ["{HEADER}"] = "{principal}"}}\n'
        "request = function()\n"
        "  i = i + 1\n"
        "  local school = schools[i % #schools + 1]\n"
        f'  local path = "/api/v1/schools/" .. school .. "/assessments/{year}/self"\n'
        '  return wrk.format("PUT", path, headers, bodies[i % #bodies + 1])\n'
        "end\n"
    )
    script.close()
    return script.name


def main(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        print("  wrk is needed for this benchmark: apt-get install wrk")
        return
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL
    codes = _codes(args.writes_schools, 0)
    url = asyncio.run(_fresh(base, codes))
    year = school_year_of(today_vn())
    vendor = Principal(
        sub="vendor-bench",
        kind=PrincipalKind.CLIENT,
        roles=frozenset({Role.VENDOR_CLIENT}),
        org_units=frozenset({f"so-{PROVINCE}"}),
    )
    principal = sign_principal(vendor, SECRET, ttl=4 * 3600)
    env = {
        "SCORING_DATABASE_URL": url,
        "SCORING_MIGRATE_ON_START": "false",
        "SCORING_INTERNAL_SECRET": SECRET,
        "SCORING_ENVIRONMENT": "production",
    }
    rounds = max(1, args.preview_rounds)
    workers = max(2, args.preview_workers)
    one: list[float] = []
    many: list[float] = []
    loads = 0

    def load(port: int, seconds: float) -> float:
        nonlocal loads
        loads += 1
        script = _script(codes, year, principal, seed=loads, start=0)
        try:
            return _wrk(port, script, seconds)
        finally:
            Path(script).unlink()

    try:
        # first, every school's draft created once (unmeasured): the measured writes are all updates
        port = _free_port()
        proc = _serve("bench.writes:create_app", port, env, workers=1)
        try:
            t = time.perf_counter()
            asyncio.run(_create_all(port, codes, year, principal))
            print(f"  {len(codes)} drafts created in {time.perf_counter() - t:.1f} s", flush=True)
        finally:
            _stop(proc)
        for n, into in ((1, one), (workers, many)) * rounds:
            port = _free_port()
            proc = _serve("bench.writes:create_app", port, env, workers=n)
            try:
                load(port, 1)  # each process warmed (first requests, pools) before it is measured
                into.append(load(port, args.seconds))
            finally:
                _stop(proc)
        assessments, audit = asyncio.run(_written(url))
    finally:
        asyncio.run(_drop(base))
    scale = sum(many) / sum(one)
    print(f"  {len(codes)} schools, {BODIES} different documents, wrk 1 thread, 32 connections, PostgreSQL")
    print(f"  {rounds} alternating rounds of {args.seconds:.0f} s; {assessments} drafts, {audit} audit rows")
    print(
        f"  self-assessment PUT with {workers} workers / 1: {scale:.2f} "
        f"({sum(many) / rounds:.0f} / {sum(one) / rounds:.0f} writes/s; "
        f"goal ≥ {TARGET_SCALING}: {_verdict(scale >= TARGET_SCALING)})"
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--writes-schools", type=int, default=1000, help="schools the writes cycle through")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.writes")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--preview-rounds", type=int, default=2)
    parser.add_argument("--preview-workers", type=int, default=2)
    add_arguments(parser)
    main(parser.parse_args())
