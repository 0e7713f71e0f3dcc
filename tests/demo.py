"""The embedded run's demo province for the tests that start the whole system.

Seeding the demo province through the services' APIs takes about ten seconds; a start on a data
directory that is already seeded takes under one (services/gateway/demo.py, `seeded`). So the demo
is seeded once per run (per xdist worker) into a template directory, with the schedule off so
that every copy's start still runs each job's catch-up slot itself, and each test starts the
embedded run on its own copy of that directory: what one test changes no other test sees.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from pathlib import Path

from services.secrets_file import FILE_NAME, load_or_create

DEMO_PASSWORD = "tests-demo-password"  # the demo users' password in every copy


def build_template(data_dir: Path) -> Path:
    """Seed the demo province into `data_dir` (on a loop of its own: callers may be inside one)."""
    from services.run import embedded

    data_dir.mkdir(parents=True, exist_ok=True)
    values = load_or_create(data_dir) | {"demo_password": DEMO_PASSWORD}
    (data_dir / FILE_NAME).write_text(json.dumps(values))

    async def seed() -> None:
        async with embedded(data_dir, schedule=False) as e:
            assert e.demo is not None
            assert e.demo.schools > 0

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(seed())
        except BaseException as exc:  # raised in the caller's thread below
            errors.append(exc)

    thread = threading.Thread(target=run, name="demo-template")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return data_dir


def copy_of(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest
