"""The worker's heartbeat file: rewritten while every loop runs, not when one has died, removed
on stop; the probe command passes on a fresh file and fails on a stale or missing one."""

from __future__ import annotations

import asyncio
import os
import time

from services.sync.worker import heartbeat


async def test_beats_while_alive_and_stops_when_a_loop_died(tmp_path):
    path, stop, alive = tmp_path / "hb", asyncio.Event(), [True]
    task = asyncio.create_task(heartbeat.beat(path, lambda: alive[0], stop, every=0.05))
    await asyncio.sleep(0.2)
    assert heartbeat.main(["--file", str(path), "--max-age", "5"]) == 0
    alive[0] = False  # a loop crashed: the file is no longer rewritten
    first = path.stat().st_mtime
    await asyncio.sleep(0.3)
    assert path.stat().st_mtime == first
    stop.set()
    await task
    assert not path.exists()  # a stopped worker leaves no heartbeat behind


def test_the_probe_fails_on_a_stale_or_missing_file(tmp_path):
    path = tmp_path / "hb"
    assert heartbeat.main(["--file", str(path)]) == 1
    heartbeat.write(path)
    assert heartbeat.main(["--file", str(path), "--max-age", "60"]) == 0
    old = time.time() - 120
    os.utime(path, (old, old))
    assert heartbeat.main(["--file", str(path), "--max-age", "60"]) == 1
