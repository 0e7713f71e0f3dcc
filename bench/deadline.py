"""Deadline day: the schools of one province PUT their self-assessment, submit it and have it
approved by their head, all at once, through the gateway over HTTP, in the production topology
(every service its own uvicorn process started by `python -m services.serve`, each with its own
PostgreSQL database brought to head by `python -m services.migrate_all`).

The load comes from Locust, used as a library in a process of its own (`bench.deadline_load`):
a bounded number of users (100 for the full run), a bounded number of schools (2,000) and a time
limit, on loopback only. The baseline, in the same run, is the same calls made straight to the
scoring service (the principal signed as the gateway signs it) by the same Locust process shape,
for a second set of schools of the same size. Figures: errors (goal 0), nothing lost or duplicated
(every school's self-assessment approved exactly once, with exactly the audit rows of a
write, a submission and an approval), p95 latency per call, and throughput through the gateway /
straight to scoring (goal ≥ 0.7).

`python -m bench deadline [--deadline-schools 2000] [--deadline-users 100]`; the default run is
smaller (a few minutes at most on 2 cores)."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.bulk import facts_for
from services.gateway.auth.models import User
from services.gateway.auth.passwords import hash_secret
from services.gateway.auth.tokens import issue
from services.gateway.config import GatewaySettings
from services.scoring.org.models import OrgUnit, Placement, School, UnitKind
from services.sync.jobs import school_year_of, today_vn
from shared.db import utcnow
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal

TARGET_RATIO = 0.7
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PROVINCE = "79"
PHONG = 10
OPENED = date(2010, 9, 5)
TOKEN_TTL = 4 * 3600  # the longest run's tokens must not lapse halfway
SERVICES = ("scoring", "evidence", "sync", "gateway")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _db_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


async def _drop(base: str, names: list[str]) -> None:
    admin = create_async_engine(_db_url(base, "postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        for name in names:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


class Topology:
    """The four services as separate processes, each logging to its own file."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.urls: dict[str, str] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        out = (self.work / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [sys.executable, *argv], env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )

    def healthy(self, name: str, url: str, within: float = 90) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            proc = self.procs[name]
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code < 500:
                    self.urls[name] = url
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not answer on {url}:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        return "\n".join((self.work / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def _env(base: str, dbs: dict[str, str], secret: str, jwt_secret: str) -> dict[str, str]:
    env = {"GATEWAY_JWT_SECRET": jwt_secret, "GATEWAY_ACCESS_TOKEN_TTL": str(TOKEN_TTL)}
    for name in SERVICES:
        prefix = name.upper() + "_"
        env |= {
            f"{prefix}ENVIRONMENT": "production",
            f"{prefix}INTERNAL_SECRET": secret,
            f"{prefix}DATABASE_URL": _db_url(base, dbs[name]),
            f"{prefix}MIGRATE_ON_START": "false",
        }
    return env


def _start(t: Topology, env: dict[str, str], scoring_workers: int, gateway_workers: int) -> None:
    port = {name: _free_port() for name in SERVICES}
    url = {name: f"http://127.0.0.1:{p}" for name, p in port.items()}
    serve = ["-m", "services.serve"]
    scoring = {
        "SCORING_SYNC_URL": url["sync"],
        "SCORING_EVIDENCE_URL": url["evidence"],
    }
    t.start(
        "scoring",
        [*serve, "scoring", "--port", str(port["scoring"]), "--workers", str(scoring_workers)],
        {**env, **scoring},
    )
    t.healthy("scoring", url["scoring"])
    t.start(
        "evidence",
        [*serve, "evidence", "--port", str(port["evidence"])],
        {**env, "EVIDENCE_SCORING_URL": url["scoring"], "EVIDENCE_STORAGE_DIR": str(t.work / "blobs")},
    )
    # the API replica only: delivery to CSDL ngành is the workers' job, not part of this figure
    sync = {
        "SYNC_SCORING_URL": url["scoring"],
        "SYNC_RUN_WORKERS": "false",
        "SYNC_CSDL_URL": "http://127.0.0.1:9",
    }
    sync |= {"SYNC_CSDL_CLIENT_ID": "bench", "SYNC_CSDL_CLIENT_SECRET": secrets.token_hex(16)}
    t.start("sync", [*serve, "sync", "--port", str(port["sync"])], {**env, **sync})
    gateway = {
        "GATEWAY_SCORING_URL": url["scoring"],
        "GATEWAY_EVIDENCE_URL": url["evidence"],
        "GATEWAY_SYNC_URL": url["sync"],
    }
    t.start(
        "gateway",
        [*serve, "gateway", "--port", str(port["gateway"]), "--workers", str(gateway_workers)],
        {**env, **gateway},
    )
    for name in ("evidence", "sync", "gateway"):
        t.healthy(name, url[name])


def _codes(n: int, first: int) -> list[str]:
    return [f"{PROVINCE}{first + i:06d}" for i in range(n)]


async def seed_registry(scoring_db: str, codes: list[str]) -> None:
    """The province (a Sở, its Phòng) and its schools in scoring's database, written directly
    (seeding is not what is measured)."""
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now}
    engine = create_async_engine(scoring_db)
    async with engine.begin() as conn:
        top = {
            "id": "bgd",
            "kind": UnitKind.MINISTRY,
            "name": "Bộ GDĐT",
            "parent_id": None,
            "province_code": None,
        }
        await conn.execute(insert(OrgUnit), [top | stamps])
        so = f"so-{PROVINCE}"
        units = [{"id": so, "kind": UnitKind.DEPARTMENT, "name": "Sở GDĐT", "parent_id": "bgd"}]
        units += [
            {
                "id": f"phong-{PROVINCE}-{i}",
                "kind": UnitKind.DISTRICT_OFFICE,
                "name": f"Phòng {i}",
                "parent_id": so,
            }
            for i in range(PHONG)
        ]
        await conn.execute(insert(OrgUnit), [u | {"province_code": PROVINCE} | stamps for u in units])
        rnd = random.Random(2000)
        schools, places = [], []
        for i, code in enumerate(codes):
            level = rnd.choices(["TH", "THCS", "THPT"], weights=[50, 35, 15])[0]
            schools.append(
                {"code": code, "name": f"Trường {code}", "province_code": PROVINCE, "levels": [level]}
                | {"opened_on": OPENED}
                | stamps
            )
            unit = f"phong-{PROVINCE}-{i % PHONG}"
            places.append(
                {
                    "school_code": code,
                    "managing_unit_id": unit,
                    "assessing_unit_id": unit,
                    "valid_from": OPENED,
                }
            )
        await conn.execute(insert(School), schools)
        await conn.execute(insert(Placement), places)
    await engine.dispose()


async def _seed(scoring_db: str, gateway_db: str, codes: list[str]) -> None:
    """The registry, and each school head's account in the gateway's database."""
    await seed_registry(scoring_db, codes)
    now = utcnow()
    password = hash_secret(secrets.token_hex(16))  # nobody signs in: the bench issues the tokens
    engine = create_async_engine(gateway_db)
    async with engine.begin() as conn:
        rows = [
            {
                "id": f"u-head-{c}",
                "username": f"head-{c}",
                "name": f"Hiệu trưởng {c}",
                "password_hash": password,
            }
            | {"roles": [Role.SCHOOL_HEAD.value], "org_units": [], "schools": [c], "all_orgs": False}
            | {"disabled": False, "token_generation": 1, "created_at": now, "updated_at": now}
            for c in codes
        ]
        await conn.execute(insert(User), rows)
    await engine.dispose()


def _head(code: str) -> Principal:
    return Principal(
        sub=f"u-head-{code}",
        kind=PrincipalKind.USER,
        name=f"Hiệu trưởng {code}",
        roles=frozenset({Role.SCHOOL_HEAD}),
        schools=frozenset({code}),
    )


def complete_facts(rnd: random.Random) -> dict[str, Any]:
    """A plausible school's facts with the information the index asks for before submission
    (the council's members, the names of the systems it runs)."""
    f = facts_for(rnd)
    member = {
        "name": "Nguyễn Văn An",
        "position": "Hiệu trưởng",
        "email": "an@th.edu.vn",
        "phone": "0901234567",
    }
    f["2.1"]["members"] = [member]
    for system, name in (("lms", "K12Online"), ("sms", "SMAS")):
        if f[system]["deployed"]:
            f[system] |= {"name": name, "acquisition": "rented"}
    if f["1.5.1"]["deployed"]:
        f["1.5.1"]["name"] = "Phần mềm thi trắc nghiệm"
    return f


def _items(codes: list[str], headers_of: Any, seed: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    return [{"school": c, "headers": headers_of(c), "body": {"facts": complete_facts(rnd)}} for c in codes]


def _load(
    work: Path, name: str, host: str, year: str, items: list[dict[str, Any]], args: Any
) -> dict[str, Any]:
    plan = {"host": host, "year": year, "users": args.deadline_users, "time_limit": args.deadline_time_limit}
    plan_path, result_path = work / f"{name}-plan.json", work / f"{name}-result.json"
    plan_path.write_text(json.dumps(plan | {"items": items}))
    subprocess.run(
        [sys.executable, "-m", "bench.deadline_load", str(plan_path), str(result_path)],
        check=True,
        timeout=args.deadline_time_limit + 120,
    )
    result: dict[str, Any] = json.loads(result_path.read_text())
    return result


async def _verify(scoring_db: str, year: str, codes: list[str]) -> list[str]:
    """What must hold after a run: every school's self-assessment approved, one each, and the
    audit trail of each a write, a submission and an approval, once each."""
    problems = []
    engine = create_async_engine(scoring_db)
    async with engine.connect() as conn:
        params = {"y": year, "codes": codes}
        rows = (
            await conn.execute(
                text(
                    "SELECT state, count(*), count(DISTINCT school_code) FROM assessment "
                    "WHERE school_year = :y AND kind = 'self' AND school_code = ANY(:codes) GROUP BY state"
                ),
                params,
            )
        ).all()
        states = {r[0]: (r[1], r[2]) for r in rows}
        if states != {"approved": (len(codes), len(codes))}:
            problems.append(f"assessments by state (rows, schools): {states}, expected {len(codes)} approved")
        audit = (
            await conn.execute(
                text(
                    "SELECT au.action, count(*), count(DISTINCT au.assessment_id) FROM assessment_audit au "
                    "JOIN assessment a ON a.id = au.assessment_id "
                    "WHERE a.school_year = :y AND a.kind = 'self' AND a.school_code = ANY(:codes) "
                    "GROUP BY au.action"
                ),
                params,
            )
        ).all()
        actions = {r[0]: (r[1], r[2]) for r in audit}
        if len(actions) != 3 or any(v != (len(codes), len(codes)) for v in actions.values()):
            expected = f"expected 3 actions × {len(codes)}"
            problems.append(f"audit rows by action (rows, assessments): {actions}, {expected}")
    await engine.dispose()
    return problems


def _rate(r: dict[str, Any]) -> float:
    return float(r["total"]["requests"] / r["elapsed_s"])


def _line(label: str, r: dict[str, Any]) -> str:
    calls = ", ".join(f"{k} {v['p95_ms']:.0f}" for k, v in r["calls"].items() if v["p95_ms"] is not None)
    tot = r["total"]
    return (
        f"  {label}: {r['schools_done']}/{r['schools']} schools, {tot['requests']} calls,"
        f" {tot['failures']} failed"
        f" in {r['elapsed_s']:.1f} s = {tot['requests'] / r['elapsed_s']:.0f} calls/s"
        f" ({r['schools_done'] / r['elapsed_s']:.1f} schools/s); median {tot['median_ms']} ms,"
        f" p95 {tot['p95_ms']} ms (p95 per call, ms: {calls})"
    )


async def _run(args: argparse.Namespace, base: str, work: Path) -> None:
    n = args.deadline_schools
    dbs = {s: f"bench_deadline_{s}" for s in SERVICES}
    await _drop(base, list(dbs.values()))
    secret, jwt_secret = secrets.token_hex(32), secrets.token_hex(32)
    env = _env(base, dbs, secret, jwt_secret)
    migrate = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.migrate_all", "--create-databases", "--wait", "30"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if migrate.returncode != 0:
        raise RuntimeError(migrate.stderr[-3000:])
    direct_codes, gateway_codes = _codes(n, 0), _codes(n, 500_000)
    t0 = time.perf_counter()
    warm = min(n, 2 * args.deadline_users)
    everyone = direct_codes + gateway_codes + _codes(warm, 900_000) + _codes(warm, 950_000)
    await _seed(_db_url(base, dbs["scoring"]), _db_url(base, dbs["gateway"]), everyone)
    took = time.perf_counter() - t0
    print(f"  seeded {len(everyone)} schools and their heads' accounts in {took:.1f} s", flush=True)
    year = school_year_of(today_vn())
    gw_settings = GatewaySettings(jwt_secret=jwt_secret, internal_secret=secret, access_token_ttl=TOKEN_TTL)
    t = Topology(work)
    try:
        _start(t, env, args.deadline_scoring_workers, args.deadline_gateway_workers)
        print(
            f"  topology up: scoring ×{args.deadline_scoring_workers},"
            f" gateway ×{args.deadline_gateway_workers},"
            f" evidence, sync; PostgreSQL; year {year}; {args.deadline_users} Locust users",
            flush=True,
        )

        def signed(code: str) -> dict[str, str]:
            return {HEADER: sign_principal(_head(code), secret, ttl=TOKEN_TTL)}

        def bearer(code: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {issue(gw_settings, _head(code), 1)[0]}"}

        # a short unmeasured run through each first (cold processes, connection pools, caches),
        # then the baseline and the gateway, each on its own schools, the same calls
        warm = min(n, 2 * args.deadline_users)
        warm_runs = [("warm-direct", t.urls["scoring"], signed, 900_000)]
        warm_runs.append(("warm-gateway", t.urls["gateway"], bearer, 950_000))
        for name, url, headers_of, first in warm_runs:
            _load(work, name, url, year, _items(_codes(warm, first), headers_of, 3), args)
        direct = _load(work, "direct", t.urls["scoring"], year, _items(direct_codes, signed, 1), args)
        print(_line("straight to scoring", direct), flush=True)
        through = _load(work, "gateway", t.urls["gateway"], year, _items(gateway_codes, bearer, 2), args)
        print(_line("through the gateway", through), flush=True)
    finally:
        t.stop()
    problems = []
    for label, r, codes in (("direct", direct, direct_codes), ("gateway", through, gateway_codes)):
        if r["total"]["requests"] != 3 * len(codes):
            problems.append(f"{label}: {r['total']['requests']} calls made, expected {3 * len(codes)}")
        if r["total"]["failures"] or r["timed_out"]:
            problems.append(f"{label}: {r['total']['failures']} failed calls, timed out: {r['timed_out']}")
            problems += [f"  {f['occurrences']}× {f['name']}: {f['error'][:200]}" for f in r["failures"]]
        problems += [f"{label}: {p}" for p in await _verify(_db_url(base, dbs["scoring"]), year, codes)]
    ratio = _rate(through) / _rate(direct)
    verdict = "met" if ratio >= TARGET_RATIO and not problems else "NOT met"
    print(
        "  checks: " + ("FAILED" if problems else "0 errors, every school approved once, 3 audit rows each")
    )
    for p in problems:
        print(f"    {p}")
    print(f"  throughput gateway / direct: {ratio:.2f} (goal ≥ {TARGET_RATIO}: {verdict})", flush=True)
    if not args.deadline_keep:
        await _drop(base, list(dbs.values()))


def main(args: argparse.Namespace) -> None:
    # looked up, not imported: Locust patches the standard library for gevent on import
    if importlib.util.find_spec("locust") is None:
        print("  locust is needed for this benchmark (the dev extra: make install)")
        return
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL
    work = Path(tempfile.mkdtemp(prefix="bench-deadline-", dir=os.environ.get("BENCH_DIR")))
    try:
        asyncio.run(_run(args, base, work))
    finally:
        if not getattr(args, "deadline_keep", False):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"  logs and plans kept in {work}")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--deadline-schools", type=int, default=300, help="schools per run (full: 2000)")
    p.add_argument("--deadline-users", type=int, default=30, help="concurrent Locust users (full: 100)")
    p.add_argument("--deadline-time-limit", type=float, default=240, help="seconds per run at most")
    p.add_argument("--deadline-scoring-workers", type=int, default=2, help="scoring's uvicorn workers")
    p.add_argument("--deadline-gateway-workers", type=int, default=1, help="the gateway's uvicorn workers")
    p.add_argument("--deadline-keep", action="store_true", help="keep databases, logs and plans")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.deadline")
    add_arguments(parser)
    main(parser.parse_args())
