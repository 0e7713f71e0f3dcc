"""Gateway figures, each a ratio against a baseline measured in the same run:

1. the province summary GraphQL query (through the gateway, DataLoader, scoring's dashboard
   endpoint, SQL) against the same aggregate computed directly on a database session (the same
   SQL, no HTTP, no GraphQL): median and p95, goal p95 ratio <= 1.5;
2. a REST call through the gateway (token check, rate limit, principal signing, streaming proxy)
   against the same call made directly to the scoring service: goal p95 ratio <= 1.15.

Dataset: a generated national registry (63 provinces, 10 Phòng each, 30,000 schools by default,
self- and external assessments at every state with their criterion rows), written straight into
the scoring database, on PostgreSQL (a fresh database per service; `--db sqlite` for temporary
SQLite files). Everything runs in one process over httpx's ASGI transport, so the ratios measure
the software, not a network.

`python -m bench.gateway [--schools N] [--runs N] [--db URL]`
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.gateway.admin.schemas import UserCreate
from services.gateway.admin.service import AdminService
from services.gateway.config import GatewaySettings
from services.gateway.main import create_app as create_gateway
from services.scoring.assessments.models import Assessment, CriterionScore
from services.scoring.config import ScoringSettings
from services.scoring.dashboard.service import DashboardService
from services.scoring.main import create_app as create_scoring
from services.scoring.org.models import OrgUnit, Placement, School
from shared.principal import HEADER, Principal, Role, sign_principal

YEAR = "2024-2025"
SECRET = "bench-internal-secret"
PASSWORD = "bench-password"
TARGET_GRAPHQL = 1.5  # p95 ratios
TARGET_REST = 1.15
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PROVINCES = 63
PHONG_PER_PROVINCE = 10
CRITERIA = ["1.3", "1.4", "1.5", "1.6", "1.7", "2.3", "2.4"]
STATES = ["draft", "submitted", "approved", "approved", "accepted", "accepted", "accepted"]
QUERY = """query($u: String!, $y: String!) { summary(unitId: $u, year: $y) {
  schools selfStates { state count } externalStates { state count }
  levels { kind group level count } criteria { kind code averagePoints assessed } } }"""


def _rows(n_schools: int) -> dict[str, list[dict[str, Any]]]:
    now = datetime.now(UTC)
    units: list[dict[str, Any]] = [{"id": "bgd", "kind": "ministry", "name": "Bộ GDĐT", "parent_id": None}]
    schools: list[dict[str, Any]] = []
    placements: list[dict[str, Any]] = []
    assessments: list[dict[str, Any]] = []
    criteria: list[dict[str, Any]] = []
    per_province = n_schools // PROVINCES + 1
    code_no = 0
    for pv in range(1, PROVINCES + 1):
        pc = f"{pv:02d}"
        units.append({"id": f"so-{pc}", "kind": "department", "name": f"Sở GDĐT {pc}", "parent_id": "bgd"})
        for ph in range(PHONG_PER_PROVINCE):
            units.append(
                {
                    "id": f"phong-{pc}-{ph}",
                    "kind": "district_office",
                    "name": f"Phòng {pc}-{ph}",
                    "parent_id": f"so-{pc}",
                }
            )
        for i in range(per_province):
            if code_no >= n_schools:
                break
            code_no += 1
            code = f"{pc}{code_no:06d}"
            unit = f"phong-{pc}-{i % PHONG_PER_PROVINCE}"
            schools.append({"code": code, "name": f"Trường {code}", "province_code": pc, "levels": ["TH"]})
            placements.append(
                {
                    "school_code": code,
                    "managing_unit_id": unit,
                    "assessing_unit_id": unit,
                    "valid_from": date(2020, 9, 5),
                }
            )
            if i % 10 == 9:
                continue  # not started
            for kind, state in _kinds(i):
                aid = str(uuid.uuid4())
                g1, g2 = 40 + (i * 7) % 60, 30 + (i * 11) % 70
                assessments.append(
                    {
                        "id": aid,
                        "school_code": code,
                        "school_year": YEAR,
                        "kind": kind,
                        "framework": "qd4725-2022@1",
                        "version": 1,
                        "state": state,
                        "facts": {},
                        "awarded": {},
                        "evidence_ids": [],
                        "open_items": None,
                        "result": {},
                        "g1_points": Decimal(g1),
                        "g1_level": 1 + (g1 >= 50) + (g1 > 75),
                        "g2_points": Decimal(g2),
                        "g2_level": 1 + (g2 >= 50) + (g2 > 75),
                        "overall_level": 1 + (min(g1, g2) >= 50) + (min(g1, g2) > 75),
                        "content_hash": "",
                        "external_requested": kind == "external",
                        "item_comments": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                for j, c in enumerate(CRITERIA):
                    pts = Decimal((i + j * 3) % 20)
                    criteria.append(
                        {"assessment_id": aid, "code": c, "points": pts, "level": 1 + int(pts) // 7}
                    )
    for u in units:
        u.update(
            {
                "province_code": u["id"][3:5] if u["id"] != "bgd" else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    for s in schools:
        s.update({"created_at": now, "updated_at": now})
    return {
        "units": units,
        "schools": schools,
        "placements": placements,
        "assessments": assessments,
        "criteria": criteria,
    }


def _kinds(i: int) -> list[tuple[str, str]]:
    state = STATES[i % len(STATES)]
    out = [("self", state)]
    if state == "accepted":
        out.append(("external", ["in_progress", "concluded", "recognised"][i % 3]))
    return out


async def _load(app: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    tables = [
        ("units", OrgUnit),
        ("schools", School),
        ("placements", Placement),
        ("assessments", Assessment),
        ("criteria", CriterionScore),
    ]
    async with app.state.session_factory() as s:
        for key, model in tables:
            data = rows[key]
            for k in range(0, len(data), 5000):
                await s.execute(insert(model.__table__), data[k : k + 5000])  # type: ignore[attr-defined]
        await s.commit()
    async with app.state.engine.connect() as conn:  # planner statistics, as a live database has them
        await conn.execute(text("ANALYZE"))
        await conn.commit()


async def _timed(
    ours: Callable[[], Awaitable[Any]], base: Callable[[], Awaitable[Any]], runs: int
) -> tuple[list[float], list[float]]:
    """Both measured in alternation, so load from anything else on the machine hits both alike."""
    await ours()  # warm
    await base()
    out: tuple[list[float], list[float]] = ([], [])
    for i in range(runs):
        pair = [(0, ours), (1, base)] if i % 2 == 0 else [(1, base), (0, ours)]
        for slot, fn in pair:
            t = time.perf_counter()
            await fn()
            out[slot].append((time.perf_counter() - t) * 1000)
    return out


def _report(name: str, ours: list[float], base: list[float], target: float) -> None:
    q = statistics.quantiles
    med, p95 = statistics.median(ours), q(ours, n=20)[18]
    bmed, bp95 = statistics.median(base), q(base, n=20)[18]
    ratio, ratio95 = med / bmed, p95 / bp95
    verdict = "met" if ratio95 <= target else "NOT met"
    print(
        f"{name}: median {med:.2f} ms vs {bmed:.2f} ms (ratio {ratio:.2f}), p95 {p95:.2f} ms vs "
        f"{bp95:.2f} ms (ratio {ratio95:.2f}); goal p95 ratio <= {target}: {verdict}",
        flush=True,
    )


async def _fresh_pg(base: str, name: str) -> str:
    admin = create_async_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


async def run(n_schools: int, runs: int, db: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    server = None
    if db == "sqlite":
        scoring_url = f"sqlite+aiosqlite:///{tmp / 'scoring.db'}"
        gateway_url = f"sqlite+aiosqlite:///{tmp / 'gateway.db'}"
    else:  # PostgreSQL, as deployed: a fresh database for each service
        server = db or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
        server = server or DEFAULT_URL
        scoring_url = await _fresh_pg(server, "bench_gateway_scoring")
        gateway_url = await _fresh_pg(server, "bench_gateway_gateway")
    print(f"databases: {make_url(scoring_url).get_backend_name()}", flush=True)
    # scoring alone (no calendar); the dataset's past school year opened explicitly
    settings = ScoringSettings(
        database_url=scoring_url,
        internal_secret=SECRET,
        sync_url=None,
        evidence_url=None,
        school_years=[YEAR],
    )
    scoring = create_scoring(settings)
    gw_settings = GatewaySettings(
        database_url=gateway_url,
        internal_secret=SECRET,
        jwt_secret="bench-gateway-jwt-secret-at-least-32-bytes",
        rate_limit_per_second=1e6,
        rate_limit_burst=1_000_000,
    )
    try:
        await _measure(n_schools, runs, scoring, gw_settings)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if server is not None:  # a national registry is not left behind on the server
            admin = create_async_engine(
                make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT"
            )
            async with admin.connect() as conn:
                for name in ("bench_gateway_scoring", "bench_gateway_gateway"):
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


async def _measure(n_schools: int, runs: int, scoring: Any, gw_settings: GatewaySettings) -> None:
    async with scoring.router.lifespan_context(scoring):
        t = time.perf_counter()
        rows = _rows(n_schools)
        await _load(scoring, rows)
        n_a = len(rows["assessments"])
        print(
            f"dataset: {len(rows['schools'])} schools, {n_a} assessments in {time.perf_counter() - t:.1f} s"
        )
        direct = httpx.AsyncClient(transport=httpx.ASGITransport(app=scoring), base_url="http://scoring")
        gateway = create_gateway(gw_settings, {"scoring": direct})
        async with gateway.router.lifespan_context(gateway), direct:
            async with gateway.state.session_factory() as s:
                body = UserCreate(
                    username="officer",
                    name="officer",
                    password=PASSWORD,
                    roles=[Role.OFFICER],
                    org_units=["so-01"],
                )
                await AdminService(s).create_user(body)
                await s.commit()
            transport = httpx.ASGITransport(app=gateway)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as gw:
                r = await gw.post("/auth/login", json={"username": "officer", "password": PASSWORD})
                token = {"Authorization": f"Bearer {r.json()['access_token']}"}
                officer = Principal(
                    sub="officer", roles=frozenset({Role.OFFICER}), org_units=frozenset({"so-01"})
                )

                async def graphql() -> None:
                    payload = {"query": QUERY, "variables": {"u": "so-01", "y": YEAR}}
                    r = await gw.post("/graphql", json=payload, headers=token)
                    assert r.status_code == 200, r.text
                    assert "errors" not in r.json(), r.text

                async def sql() -> None:
                    async with scoring.state.session_factory() as s:
                        out = await DashboardService(s).summaries(officer, YEAR, ["so-01"])
                        assert out

                ours, base = await _timed(graphql, sql, runs)
                _report("province summary (GraphQL / SQL)", ours, base, TARGET_GRAPHQL)

                code = rows["schools"][0]["code"]
                path = f"/api/v1/org/schools/{code}"

                async def through() -> None:
                    assert (await gw.get(path, headers=token)).status_code == 200

                async def straight() -> None:
                    signed = {HEADER: sign_principal(officer, SECRET)}
                    assert (await direct.get(path, headers=signed)).status_code == 200

                ours, base = await _timed(through, straight, runs)
                _report("REST call (through gateway / direct)", ours, base, TARGET_REST)


def main(args: argparse.Namespace) -> None:
    schools = getattr(args, "gateway_schools", 30_000)
    runs = getattr(args, "gateway_runs", 200)
    asyncio.run(run(schools, runs, getattr(args, "gateway_db", None)))


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="python -m bench.gateway")
    p.add_argument("--schools", dest="gateway_schools", type=int, default=30_000)
    p.add_argument("--runs", dest="gateway_runs", type=int, default=200)
    p.add_argument(
        "--db",
        dest="gateway_db",
        default=None,
        help="PostgreSQL server URL (default: $BENCH_DATABASE_URL or $TEST_DATABASE_URL), or 'sqlite'",
    )
    main(p.parse_args())
