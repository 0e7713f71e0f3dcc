"""Kubernetes CronJobs generated from `shared.schedule` (`python -m services.scheduler cronjobs`
writes `deploy/base/cronjobs.yaml`; a test fails when the file and the declaration differ).
Each CronJob runs `python -m services.scheduler run <job>`: one signed call to the owning service."""

from __future__ import annotations

from typing import Any

import yaml

from shared.schedule import JOBS, Job

HEADER = (
    "# GENERATED from shared/schedule.py by `python -m services.scheduler cronjobs > "
    "deploy/base/cronjobs.yaml`;\n# do not edit by hand (tests/deploy/test_schedule.py checks it).\n"
)
URL = {"scoring": "http://chiso-scoring:8001", "evidence": "http://chiso-evidence:8002",
       "sync": "http://chiso-sync-api:8003", "gateway": "http://chiso-gateway:8000"}  # fmt: skip


def cronjob(job: Job) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": "chiso", "app.kubernetes.io/component": "scheduler",
              "chiso.gov.vn/job": job.name}  # fmt: skip
    env = [
        {"name": "SCHEDULER_INTERNAL_SECRET",
         "valueFrom": {"secretKeyRef": {"name": "chiso-secrets", "key": "internal-secret"}}},
        {"name": f"SCHEDULER_{job.service.upper()}_URL", "value": URL[job.service]},
    ]  # fmt: skip
    container = {
        "name": "job",
        "image": "chiso",
        "imagePullPolicy": "IfNotPresent",
        "command": ["python", "-m", "services.scheduler"],
        "args": ["run", job.name, "--log-json"],
        "env": env,
        "resources": {"requests": {"cpu": "20m", "memory": "96Mi"}, "limits": {"memory": "192Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
    }  # fmt: skip
    pod = {
        "restartPolicy": "Never",
        "serviceAccountName": "chiso",
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [container],
    }  # fmt: skip
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": f"chiso-{job.name}", "labels": labels},
        "spec": {
            "schedule": job.cron,
            "timeZone": "Asia/Ho_Chi_Minh",
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 3600,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": {"labels": labels},
                "spec": {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": 3600,
                    "ttlSecondsAfterFinished": 86400,
                    "template": {"metadata": {"labels": labels}, "spec": pod},
                },
            },
        },
    }


def render() -> str:
    docs = [yaml.safe_dump(cronjob(j), sort_keys=False, allow_unicode=True) for j in JOBS]
    return HEADER + "---\n".join(docs)
