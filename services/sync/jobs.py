"""Sync's scheduled jobs (declared in `shared.schedule`): the daily at-risk announcement and the
e-mail reminders. Run through `shared.jobs` (one run per slot, recorded in `job_run`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import FastAPI

from services.sync.deadlines.announcements import announce
from services.sync.deadlines.calendar import VN_TZ
from services.sync.models_base import metadata
from shared.contracts import AssessmentKind
from shared.jobs import JobFn, job_run_table
from shared.principal import Principal, PrincipalKind, Role

JOB_RUNS = job_run_table(metadata)
# the scheduled jobs act for the system, over every school
SYSTEM = Principal(sub="scheduler", kind=PrincipalKind.SERVICE, roles=frozenset({Role.ADMIN}), all_orgs=True)


def today_vn() -> date:
    return datetime.now(VN_TZ).date()


def school_year_of(day: date) -> str:
    """The school year whose deadlines lie ahead on `day` (a school year starts in August)."""
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"


async def at_risk_announce(app: FastAPI) -> dict[str, Any]:
    today = today_vn()
    year = school_year_of(today)
    within = app.state.settings.at_risk_within_days
    detail: dict[str, Any] = {"school_year": year, "day": today.isoformat()}
    async with app.state.session_factory() as s:
        for kind in AssessmentKind:
            out, n = await announce(s, app.state.scoring, SYSTEM, year, kind, today, within)
            detail[kind.value] = {"at_risk": len(out.items), "announced": n}
        await s.commit()
    return detail


def jobs() -> dict[str, JobFn]:
    from services.sync.reminders.job import send_reminders

    return {"at-risk-announce": at_risk_announce, "reminders": send_reminders}
