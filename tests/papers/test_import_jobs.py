"""Import jobs do not outlive their process or their use: a job whose heartbeat stopped (its
process restarted mid-import) is marked failed, saying so, when its owner polls it, when a gateway
starts and by the scheduled job, which also forgets finished jobs after the retention period."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from services.gateway.main import create_app
from services.gateway.papers.jobs import RETENTION, STALE_AFTER, ImportJob
from shared.db import utcnow
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal


async def put(app: Any, owner: str, state: str, age: timedelta) -> str:
    job = ImportJob(id=str(uuid.uuid4()), owner=owner, kind="facts", dry_run=False, state=state, total=400,
                    done=120, updated_at=utcnow() - age)  # fmt: skip
    async with app.state.session_factory() as s:
        s.add(job)
        await s.commit()
    return job.id


async def state_of(app: Any, job_id: str) -> str | None:
    async with app.state.session_factory() as s:
        job = await s.get(ImportJob, job_id)
    return None if job is None else job.state


async def test_interrupted_jobs_fail_and_finished_ones_expire(demo: dict[str, Any]) -> None:
    gw, app = demo["gw"], demo["app"]
    owner = (await gw.get("/oauth/token_info", headers=demo["admin"])).json()["sub"]
    stale = STALE_AFTER + timedelta(seconds=5)
    polled = await put(app, owner, "running", stale)
    swept = await put(app, owner, "running", stale)
    alive = await put(app, owner, "running", timedelta(seconds=2))  # another replica's, beating
    queued = await put(app, owner, "queued", stale)
    old_done = await put(app, owner, "done", RETENTION + timedelta(hours=1))
    old_failed = await put(app, owner, "failed", RETENTION + timedelta(hours=1))
    recent_done = await put(app, owner, "done", timedelta(days=1))

    # the owner's poll: failed, interrupted, with a reason in both languages
    job = (await gw.get(f"/api/v1/imports/jobs/{polled}", headers=demo["admin"])).json()
    assert (job["state"], job["done"], job["report"]["interrupted"]) == ("failed", 120, True)
    assert "import the file again" in job["report"]["error"]["en"]
    job = (await gw.get(f"/api/v1/imports/jobs/{alive}", headers=demo["admin"])).json()
    assert job["state"] == "running"

    # the scheduled job, as the scheduler triggers it (a signed service call to the gateway)
    scheduler = Principal(sub="scheduler", kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE}),
                          all_orgs=True)  # fmt: skip
    secret = app.state.settings.internal_secret.get_secret_value()
    slot = {"slot": (utcnow() + timedelta(days=3)).isoformat()}  # a slot the embedded loop never ran
    r = await gw.post("/internal/v1/jobs/import-jobs-expiry/runs", json=slot,
                      headers={HEADER: sign_principal(scheduler, secret, ttl=60)})  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["outcome"], r.json()["detail"]) == ("ok", {"interrupted": 2, "deleted": 2})
    assert [await state_of(app, j) for j in (swept, queued, alive)] == ["failed", "failed", "running"]
    assert [await state_of(app, j) for j in (old_done, old_failed, recent_done)] == [None, None, "done"]
    r = await gw.post("/internal/v1/jobs/import-jobs-expiry/runs", json=slot, headers=demo["admin"])
    assert r.status_code in (401, 403)  # a person's token is not the scheduler's signature

    # a gateway starting over the same database fails what stopped while it was down
    down = await put(app, owner, "running", stale)
    fresh = create_app(app.state.settings, upstreams={})
    async with fresh.router.lifespan_context(fresh):
        pass
    assert (await state_of(app, down), await state_of(app, alive)) == ("failed", "running")


async def test_admins_see_the_gateways_job(demo: dict[str, Any]) -> None:
    r = await demo["gw"].get("/admin/v1/jobs", headers=demo["admin"])
    (job,) = [j for j in r.json()["items"] if j["job"] == "import-jobs-expiry"]
    assert (job["service"], job["cron"]) == ("gateway", "50 3 * * *")
    assert job.get("unavailable") is not True
