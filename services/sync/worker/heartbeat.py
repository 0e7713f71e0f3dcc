"""The sync worker's liveness signal: a file the worker rewrites every `SYNC_HEARTBEAT_SECONDS`
while its event loop runs and none of its loops (feed, delivery, webhooks, reconciliation) has
died. A probe reads its age:

    python -m services.sync.worker.heartbeat [--file F] [--max-age SECONDS]   # exit 0 fresh, 1 not

(Kubernetes exec liveness probe, compose health check). A blocked event loop or a crashed loop
stops the beats, the file ages, the probe fails and the container is restarted; jobs it held are
claimable again once their lease ends."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from services.sync.config import HEARTBEAT_FILE as DEFAULT_FILE


def write(path: Path) -> None:
    """Atomically: a probe never reads half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "at": time.time()}))
    tmp.replace(path)


async def beat(path: Path, alive: Callable[[], bool], stop: asyncio.Event, every: float) -> None:
    while not stop.is_set():
        if alive():
            await asyncio.to_thread(write, path)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
    await asyncio.to_thread(path.unlink, missing_ok=True)  # a stopped worker is not alive


def age(path: Path, now: float | None = None) -> float | None:
    try:
        return (now or time.time()) - path.stat().st_mtime
    except FileNotFoundError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m services.sync.worker.heartbeat")
    p.add_argument("--file", type=Path, default=Path(os.environ.get("SYNC_HEARTBEAT_FILE", DEFAULT_FILE)))
    p.add_argument("--max-age", type=float, default=60.0, help="seconds (default 60)")
    args = p.parse_args(argv)
    seconds = age(args.file)
    if seconds is None or seconds > args.max_age:
        print(f"no heartbeat within {args.max_age:.0f}s ({args.file})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
