"""`python -m services.backup dump|restore|check DIR`: a consistent copy of every service's
PostgreSQL database and of the evidence store, and its restore.

- `dump DIR`: `pg_dump --format=custom` of each service's database (`<service>.dump`), every
  evidence blob copied to `DIR/blobs/<sha256>` (its name re-checked against its content), and
  `manifest.json`: the row count of every table and the blobs' hashes and sizes.
- `restore DIR`: each database created if missing and restored (`pg_restore --clean`), each blob
  re-checked and put back in the store. Run the migration job afterwards (it brings an older dump
  to head) and `python -m services.evidence.cli verify`.
- `check DIR`: the live databases and store against the manifest (exit 1 on any difference).

Reads the variables the services read (`<PREFIX>DATABASE_URL`, `EVIDENCE_STORAGE`, `EVIDENCE_S3_*`),
passes database passwords to the PostgreSQL tools through the environment, never the command line.
Stop writers first (or accept a copy that is consistent per database, not across them).
See deploy/README.md for the continuous (WAL) alternative and object-store versioning.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from services.migrate_all import ORDER, create_database, database_url

DUMPED = ("scoring", "evidence", "sync", "gateway")


def pg_env(url: str) -> dict[str, str]:
    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        raise SystemExit(
            f"backup covers PostgreSQL; {u.get_backend_name()} is not (copy its files while stopped)"
        )
    env = {**os.environ, "PGHOST": u.host or "localhost", "PGPORT": str(u.port or 5432),
           "PGDATABASE": u.database or "", "PGUSER": u.username or ""}  # fmt: skip
    if u.password:
        env["PGPASSWORD"] = u.password
    return env


def _counts(conn: Connection) -> dict[str, int]:
    md = MetaData()
    md.reflect(conn)
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in md.sorted_tables
    }


async def table_counts(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_counts)
    finally:
        await engine.dispose()


def _store() -> Any:
    from services.evidence.config import EvidenceSettings
    from services.evidence.storage import build_store

    return build_store(EvidenceSettings())


async def store_blobs() -> dict[str, int]:
    return {b.sha256: b.size async for b in _store().list()}


async def dump(out: Path) -> dict[str, Any]:
    """`out` exists (made by `main`)."""
    manifest: dict[str, Any] = {"databases": {}, "blobs": {}}
    for name in DUMPED:
        url = database_url(name)
        cmd = ["pg_dump", "--format=custom", "--no-owner", "--file", str(out / f"{name}.dump")]
        await asyncio.to_thread(subprocess.run, cmd, env=pg_env(url), check=True)
        manifest["databases"][name] = await table_counts(url)
    store, blobs = _store(), out / "blobs"
    blobs.mkdir(exist_ok=True)
    async for b in store.list():
        digest, target = hashlib.sha256(), blobs / b.sha256
        with target.open("wb") as f:
            async for chunk in store.read(b.sha256):
                digest.update(chunk)
                f.write(chunk)
        if digest.hexdigest() != b.sha256:
            raise SystemExit(f"blob {b.sha256} is corrupt in the store: not backed up")
        manifest["blobs"][b.sha256] = b.size
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


async def restore(src: Path) -> None:
    for name in DUMPED:
        url = database_url(name)
        await create_database(url)
        cmd = ["pg_restore", "--no-owner", "--clean", "--if-exists", "--single-transaction",
               "--dbname", make_url(url).database or "", str(src / f"{name}.dump")]  # fmt: skip
        await asyncio.to_thread(subprocess.run, cmd, env=pg_env(url), check=True)
    store = _store()
    staging = Path(store.staging_dir if hasattr(store, "staging_dir") else src / "staging")
    for blob in sorted((src / "blobs").iterdir()):
        if _sha256(blob) != blob.name:
            raise SystemExit(f"backup blob {blob.name} does not match its hash: not restored")
        if await store.size(blob.name) is None:
            staged = staging / f"restore-{blob.name}"
            staged.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(blob, staged)
            await store.commit(staged, blob.name)


async def check(src: Path) -> dict[str, Any]:
    manifest = json.loads((src / "manifest.json").read_text())
    live = {name: await table_counts(database_url(name)) for name in DUMPED}
    diff = {f"{n}.{t}": (c, live[n].get(t)) for n in DUMPED
            for t, c in manifest["databases"][n].items() if live[n].get(t) != c}  # fmt: skip
    blobs = await store_blobs()
    missing = sorted(set(manifest["blobs"]) - set(blobs))
    return {"tables_differing": diff, "blobs_missing": missing, "ok": not diff and not missing}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m services.backup", description=__doc__.split("\n")[0])
    p.add_argument("action", choices=["dump", "restore", "check"])
    p.add_argument("dir", type=Path)
    args = p.parse_args(argv)
    assert set(DUMPED) == set(ORDER)
    if args.action == "dump":
        args.dir.mkdir(parents=True, exist_ok=True)
        m = asyncio.run(dump(args.dir))
        print(json.dumps({"databases": len(m["databases"]), "blobs": len(m["blobs"])}))
        return 0
    if args.action == "restore":
        asyncio.run(restore(args.dir))
        return 0
    result = asyncio.run(check(args.dir))
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
