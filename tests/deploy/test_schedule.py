"""The one schedule (shared/schedule.py) is what every runner runs: the Kubernetes CronJobs are
generated from it (the committed file must match), compose runs the scheduler loop, and every
job names a service that registers it."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from services.scheduler.cronjobs import render
from shared.schedule import JOBS, SCHEDULE_TZ
from tests.deploy.conftest import DEPLOY, compose

CRONJOBS = DEPLOY / "base" / "cronjobs.yaml"


def test_the_committed_cronjobs_are_generated_from_the_schedule():
    assert CRONJOBS.read_text() == render(), (
        "stale: python -m services.scheduler cronjobs > deploy/base/cronjobs.yaml"
    )


def test_one_cronjob_per_job_with_its_schedule_and_zone():
    docs = [d for d in yaml.safe_load_all(CRONJOBS.read_text()) if d]
    got = {d["metadata"]["name"]: (d["spec"]["schedule"], d["spec"]["timeZone"]) for d in docs}
    assert got == {f"chiso-{j.name}": (j.cron, "Asia/Ho_Chi_Minh") for j in JOBS}
    assert all(d["spec"]["concurrencyPolicy"] == "Forbid" for d in docs)
    kustomization = yaml.safe_load((DEPLOY / "base" / "kustomization.yaml").read_text())
    assert "cronjobs.yaml" in kustomization["resources"]


def test_compose_runs_the_scheduler_loop():
    svc = compose()["services"]["scheduler"]
    assert svc["entrypoint"] == ["python", "-m", "services.scheduler"]
    assert svc["command"][0] == "loop"
    urls = {"SCHEDULER_SCORING_URL", "SCHEDULER_EVIDENCE_URL", "SCHEDULER_SYNC_URL", "SCHEDULER_GATEWAY_URL"}
    assert urls <= set(svc["environment"])


def test_slots_are_read_in_vietnam_time():
    [job] = [j for j in JOBS if j.name == "at-risk-announce"]  # 07:00 in Vietnam = 00:00 UTC
    slot = job.latest_slot(datetime(2026, 5, 25, 0, 30, tzinfo=UTC))
    assert slot == datetime(2026, 5, 25, 7, 0, tzinfo=SCHEDULE_TZ)
    assert job.latest_slot(datetime(2026, 5, 24, 23, 59, tzinfo=UTC)).day == 24


def test_every_service_registers_exactly_its_jobs():
    from services.evidence.jobs import JOBS as EVIDENCE
    from services.gateway.jobs import JOBS as GATEWAY
    from services.scoring.jobs import JOBS as SCORING
    from services.sync.jobs import jobs as sync

    registered = {**EVIDENCE, **SCORING, **sync(), **GATEWAY}
    assert set(registered) == {j.name for j in JOBS}
