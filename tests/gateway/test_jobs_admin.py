"""The embedded run runs the schedule in-process: at start each job's latest slot runs once, and
`GET /admin/v1/jobs` shows every job's last run, gathered from the owning services."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from services.run import embedded
from shared.schedule import JOBS


async def test_embedded_schedule_runs_every_job_and_admins_see_it(demo_dir: Path):
    async with embedded(demo_dir) as e:
        assert e.demo is not None
        password = e.demo.password
        transport = httpx.ASGITransport(app=e.gateway)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw", timeout=30) as gw:
            r = await gw.post("/auth/login", json={"username": "admin", "password": password})
            admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
            deadline = time.monotonic() + 60
            while True:
                r = await gw.get("/admin/v1/jobs", headers=admin)
                assert r.status_code == 200, r.text
                runs = {j["job"]: j["last_run"] for j in r.json()["items"]}
                if all(runs.values()) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            assert set(runs) == {j.name for j in JOBS}
            assert {name: run["outcome"] for name, run in runs.items()} == dict.fromkeys(runs, "ok"), runs
            assert "SYNC_SMTP_HOST is not set" in runs["reminders"]["detail"]["note"]
            r = await gw.post("/auth/login", json={"username": "so.officer", "password": password})
            officer = {"Authorization": f"Bearer {r.json()['access_token']}"}
            assert (await gw.get("/admin/v1/jobs", headers=officer)).status_code == 403
            metrics = await e.gateway.state.upstreams["evidence"].get("/metrics")
            assert 'chiso_job_last_run_ok{job="evidence-gc",service="evidence"} 1.0' in metrics.text
