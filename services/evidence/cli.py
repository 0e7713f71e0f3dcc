"""Maintenance commands: `python -m services.evidence.cli verify|gc|consume`, or as `chiso evidence …`
once `add_evidence_commands` is wired into the main command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import timedelta

import httpx

from services.evidence.config import EvidenceSettings
from services.evidence.integrity import gc, verify
from services.evidence.storage import build_store
from shared.db import create_engine, session_factory
from shared.scoring_client import ScoringClient


async def _verify(args: argparse.Namespace) -> int:
    settings = EvidenceSettings()
    engine = create_engine(settings.database_url)
    try:
        report = await verify(session_factory(engine), build_store(settings))
    finally:
        await engine.dispose()
    print(
        json.dumps(
            {
                "checked": report.checked,
                "missing": report.missing,
                "corrupt": report.corrupt,
                "unreferenced": report.unreferenced,
            },
            indent=2,
        )
    )
    return 0 if report.ok else 1


async def _gc(args: argparse.Namespace) -> int:
    settings = EvidenceSettings()
    engine = create_engine(settings.database_url)
    try:
        removed = await gc(
            session_factory(engine),
            build_store(settings),
            grace=timedelta(hours=args.grace_hours),
            dry_run=args.dry_run,
        )
    finally:
        await engine.dispose()
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {len(removed)} unreferenced blob(s)")
    for sha in removed:
        print(f"  {sha}")
    return 0


async def _consume(args: argparse.Namespace) -> int:
    from services.evidence.feed.consumer import EvidenceFeed

    settings = EvidenceSettings()
    engine = create_engine(settings.database_url)
    try:
        async with httpx.AsyncClient(base_url=settings.scoring_url, timeout=10.0) as client:
            secret = settings.internal_secret.get_secret_value()
            scoring = ScoringClient(client, secret, "evidence")
            n = await EvidenceFeed(session_factory(engine), scoring).drain()
    finally:
        await engine.dispose()
    print(f"read {n} change-feed event(s)")
    return 0


def add_evidence_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `evidence verify|gc|consume` to a command line's subcommands (settings from EVIDENCE_*)."""
    ev = sub.add_parser("evidence", help="evidence storage maintenance").add_subparsers(
        dest="sub", required=True
    )
    p = ev.add_parser("verify", help="re-hash stored blobs; exit 1 if any is missing or corrupt")
    p.set_defaults(func=lambda a: asyncio.run(_verify(a)))
    p = ev.add_parser("gc", help="remove blobs no live evidence references")
    p.add_argument("--grace-hours", type=float, default=24.0, help="spare blobs younger than this")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(func=lambda a: asyncio.run(_gc(a)))
    p = ev.add_parser("consume", help="read the scoring change feed once (lock referenced evidence)")
    p.set_defaults(func=lambda a: asyncio.run(_consume(a)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.evidence.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    add_evidence_commands(sub)
    args = parser.parse_args(["evidence", *(argv if argv is not None else sys.argv[1:])])
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
