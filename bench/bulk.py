"""Bulk submission of a national dataset into PostgreSQL.

30,000 schools in 34 provinces (the post-2025 map: schools directly under each Sở) send their
self-assessments through `POST /api/v1/bulk/assessments` in batches of 1,000, as a national vendor
would: every row parsed, validated, scored and audited by the real service (in process, over
httpx's ASGI transport, so no socket time is counted). The baselines, in the same run, write the
very rows the service wrote (assessments, criterion scores, audit entries): with plain executemany,
and with PostgreSQL's COPY (asyncpg's binary `copy_records_to_table`), the fastest way the
database takes rows, so "service / COPY" is how far the service is from the database's limit.
Goals: ≤ 3× COPY; all 30,000 in at most 60 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import date
from typing import Any

import httpx
from sqlalchemy import Table, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.scoring.assessments.models import Assessment, AuditEntry, CriterionScore
from services.scoring.config import MIGRATIONS, ScoringSettings
from services.scoring.main import create_app
from services.scoring.org.models import OrgUnit, Placement, School, UnitKind
from shared.db import session_factory, utcnow
from shared.migrate import upgrade
from shared.principal import Principal, PrincipalKind, Role, sign_principal

TARGET_SECONDS = 60.0
TARGET_COPY_RATIO = 3.0
BATCH = 1000
OPENED = date(2010, 9, 5)
SECRET = "bench-internal-secret"
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SWITCHES = ["1.3.1", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.5.1", "1.5.2", "1.7.3"]
SWITCHES += ["2.3.1", "2.3.2", "2.3.4", "2.3.5", "2.3.6", "2.3.7", "2.3.8", "2.4.1", "2.4.2", "2.4.3"]


def facts_for(rnd: random.Random) -> dict[str, Any]:
    """A plausible school: most meet the mandatory criteria, adoption of each system varies."""
    strong = rnd.random()  # how far along this school is
    f: dict[str, Any] = {c: {"met": rnd.random() < 0.85 + strong / 10} for c in ("1.1", "1.2", "2.1", "2.2")}
    f["lms"] = {"deployed": rnd.random() < 0.4 + strong / 2}
    f["sms"] = {"deployed": rnd.random() < 0.7 + strong / 3}
    f |= {c: {"deployed": rnd.random() < strong + 0.2} for c in SWITCHES}
    f["1.4.1"] = {"count": rnd.randint(0, 60)}
    for c in ("1.6.1", "1.6.2", "1.6.3", "1.7.1"):
        d = rnd.randint(8, 120)
        f[c] = {"numerator": rnd.randint(0, d), "denominator": d}
    size = rnd.randint(20, 45)
    f["1.7.2"] = {"class_size": size, "lab_computers": rnd.randint(0, size + 5)}
    f["2.3.3"] = {"mode": rnd.choice(["digital_signature", "pdf", "none"])}
    return f


async def _fresh_database(url: str) -> str:
    base = make_url(url)
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text('DROP DATABASE IF EXISTS "bench_bulk" WITH (FORCE)'))
        await conn.execute(text('CREATE DATABASE "bench_bulk"'))
    await admin.dispose()
    target = base.set(database="bench_bulk").render_as_string(hide_password=False)
    await upgrade(MIGRATIONS, target)
    return target


async def _seed_registry(factory: Any, n: int) -> list[tuple[str, str]]:
    """34 provinces, n schools spread over them; returns (code, level) pairs."""
    rnd = random.Random(4725)
    schools: list[tuple[str, str]] = []
    async with factory() as s:
        s.add(OrgUnit(id="bgd", kind=UnitKind.MINISTRY, name="Bộ GDĐT"))
        await s.flush()
        provinces = [f"{p:02d}" for p in range(1, 35)]
        s.add_all(
            OrgUnit(
                id=f"so-{p}", kind=UnitKind.DEPARTMENT, name=f"Sở GDĐT {p}", parent_id="bgd", province_code=p
            )
            for p in provinces
        )
        await s.flush()
        rows, places, now = [], [], utcnow()
        for i in range(n):
            p = provinces[i % len(provinces)]
            code = f"{p}{i:06d}"
            level = rnd.choices(["TH", "THCS", "THPT"], weights=[50, 35, 15])[0]
            schools.append((code, level))
            rows.append(
                {"code": code, "name": f"Trường {code}", "province_code": p, "levels": [level]}
                | {"opened_on": OPENED, "created_at": now, "updated_at": now}
            )
            places.append(
                {"school_code": code, "managing_unit_id": f"so-{p}", "assessing_unit_id": f"so-{p}"}
                | {"valid_from": OPENED}
            )
        await s.execute(insert(School), rows)
        await s.execute(insert(Placement), places)
        await s.commit()
    return schools


async def _through_the_service(url: str, schools: list[tuple[str, str]]) -> tuple[float, list[float]]:
    settings = ScoringSettings(
        database_url=url,
        migrate_on_start=False,
        internal_secret=SECRET,
        environment="test",
        # no calendar, no evidence service: the bench measures writing (rows cite no evidence)
        sync_url=None,
        evidence_url=None,
        school_years=["2024-2025"],  # the dataset's (past) school year
    )
    app = create_app(settings)
    vendor = Principal(
        sub="vendor-national",
        kind=PrincipalKind.CLIENT,
        roles=frozenset({Role.VENDOR_CLIENT}),
        org_units=frozenset({"bgd"}),
        exp=int(time.time()) + 3600,
    )
    headers = {"X-Chiso-Principal": sign_principal(vendor, SECRET, ttl=3600)}
    rnd = random.Random(2025)
    batches = [
        [
            {"school_code": code, "school_year": "2024-2025", "facts": facts_for(rnd)}
            for code, _ in schools[i : i + BATCH]
        ]
        for i in range(0, len(schools), BATCH)
    ]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://scoring", timeout=120) as c:
            start = time.perf_counter()
            each: list[float] = []
            for items in batches:
                t = time.perf_counter()
                r = await c.post("/api/v1/bulk/assessments", json={"items": items}, headers=headers)
                body = r.json()
                if r.status_code != 200 or body["created"] != len(items):
                    problems = [x["problem"] for x in body.get("results", []) if x["problem"]][:2]
                    raise RuntimeError(f"bulk batch failed: {r.status_code} {problems or body}")
                each.append(time.perf_counter() - t)
            return time.perf_counter() - start, each


# Emptied by TRUNCATE, not DELETE: the baselines write into tables as fresh as the ones the
# service wrote into. After a DELETE the same keys still had dead index entries and heap rows
# for each insert to step over, which made the baselines slower than the service's own
# conditions (and the ratios look better than they were).
WRITTEN = (Assessment, CriterionScore, AuditEntry)
_EMPTY = f"TRUNCATE {', '.join(m.__tablename__ for m in WRITTEN)} CASCADE"


async def _executemany_baseline(url: str) -> tuple[float, dict[str, int]]:
    """Read back what the service wrote, delete it, insert the same rows with plain executemany."""
    engine = create_async_engine(url)
    factory = session_factory(engine)
    tables: list[Table] = [m.__table__ for m in WRITTEN]  # type: ignore[union-attr]
    rows: dict[str, list[dict[str, Any]]] = {}
    async with factory() as s:
        for t in tables:
            rows[t.name] = [dict(r) for r in (await s.execute(select(t))).mappings()]
        await s.execute(text(_EMPTY))
        await s.commit()
    async with factory() as s:
        start = time.perf_counter()
        for t in tables:
            data = rows[t.name]
            for i in range(0, len(data), BATCH):
                await s.execute(insert(t), data[i : i + BATCH])
        await s.commit()
        elapsed = time.perf_counter() - start
    await engine.dispose()
    return elapsed, {k: len(v) for k, v in rows.items()}


async def _copy_baseline(url: str) -> float:
    """The same rows again, read back, deleted and written by COPY in one transaction."""
    import asyncpg  # type: ignore[import-untyped]

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    names = [m.__tablename__ for m in WRITTEN]
    try:
        data = {t: await conn.fetch(f'SELECT * FROM "{t}"') for t in names}
        await conn.execute(_EMPTY)
        start = time.perf_counter()
        async with conn.transaction():
            for t in names:
                rows = data[t]
                if rows:
                    cols = list(rows[0].keys())
                    await conn.copy_records_to_table(t, records=[tuple(r) for r in rows], columns=cols)
        return time.perf_counter() - start
    finally:
        await conn.close()


async def _run(n: int, url: str) -> None:
    target = await _fresh_database(url)
    engine = create_async_engine(target)
    schools = await _seed_registry(session_factory(engine), n)
    await engine.dispose()
    service, each = await _through_the_service(target, schools)
    baseline, counts = await _executemany_baseline(target)
    copy = await _copy_baseline(target)
    print(f"  schools {n:,}; rows written {counts}")
    print(f"  bulk API (validate+score+audit): {service:8.1f} s  {n / service:8.0f} schools/s")
    if len(each) > 1:
        # a batch must not take longer as the table fills (it did, on stale planner statistics)
        print(
            f"  per {BATCH:,}-school batch: first {each[0]:.2f} s, median {statistics.median(each):.2f} s, "
            f"last {each[-1]:.2f} s, slowest {max(each):.2f} s"
        )
    print(f"  plain executemany, same rows:    {baseline:8.1f} s  {n / baseline:8.0f} schools/s")
    print(f"  PostgreSQL COPY, same rows:      {copy:8.1f} s  {n / copy:8.0f} schools/s")
    ratio = service / copy
    verdict = "met" if ratio <= TARGET_COPY_RATIO else "NOT met"
    print(f"  service / COPY: {ratio:.1f}x (goal ≤ {TARGET_COPY_RATIO:.0f}x: {verdict})")
    print(f"  service / executemany: {service / baseline:.1f}x")
    verdict = "met" if service <= TARGET_SECONDS * n / 30_000 else "NOT met"
    print(f"  {n / service:.0f} schools/s (goal ≤ {TARGET_SECONDS:.0f} s per 30,000: {verdict})")


def main(args: argparse.Namespace) -> None:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL
    asyncio.run(_run(args.bulk_schools, url))
