"""The `reminders` job: N days before each deadline (N per province, `SYNC_REMINDER_DAYS*`),
e-mail the heads of schools whose self-assessment is not yet approved (self deadline, 31/5 by
default) and the officers of units with results waiting on them (an approved self-assessment to
accept, a concluded external assessment to recognise; external deadline, 20/6 by default).

Each message has a key (year, kind, days before, role, unit, address) claimed in `reminder_sent`
before it is sent: a key already there is skipped, so nothing is sent twice; a failed send
releases its key, so the next run retries it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.config import SyncSettings
from services.sync.deadlines.service import Deadlines
from services.sync.reminders import templates as t
from services.sync.reminders.mailer import Mail, SmtpConfig, SmtpSession
from services.sync.reminders.models import ReminderContact, ReminderSent
from shared.contracts import AssessmentKind, SchoolScope
from shared.scoring_client import ScoringClient

NOT_APPROVED = {"none", "draft", "submitted"}


@dataclass(frozen=True)
class Planned:
    key: str
    mail: Mail
    schools: int


async def _contacts(s: AsyncSession) -> dict[str, list[ReminderContact]]:
    out: dict[str, list[ReminderContact]] = defaultdict(list)
    for c in await s.scalars(select(ReminderContact)):
        out[c.unit_id].append(c)
    return out


async def _due(
    s: AsyncSession, scoring: ScoringClient, cfg: SyncSettings, year: str, kind: AssessmentKind, today: date
) -> list[tuple[SchoolScope, date, int]]:
    """Schools open on their deadline whose province reminds today: (school, deadline, days left)."""
    dl = Deadlines(s, year, kind)
    out = []
    for sc in await scoring.schools_open((await dl.of(None)).on_time_deadline):
        d = (await dl.of(sc.province_code)).on_time_deadline
        if (d - today).days in cfg.reminder_days_for(sc.province_code):
            out.append((sc, d, (d - today).days))
    return out


async def plan_heads(
    s: AsyncSession, scoring: ScoringClient, cfg: SyncSettings, year: str, today: date
) -> list[Planned]:
    contacts = await _contacts(s)
    states = await scoring.assessment_states(year, AssessmentKind.SELF.value)
    out = []
    for sc, d, days in await _due(s, scoring, cfg, year, AssessmentKind.SELF, today):
        state = states.get(sc.code, "none")
        if state not in NOT_APPROVED:
            continue
        for c in (c for c in contacts.get(sc.code, []) if c.role == "head"):
            fields = {"name": c.name or "Thủ trưởng đơn vị", "school": sc.name, "year": year,
                      "days": days, "kind": t.KIND_VI["self"], "state": t.STATE_VI[state],
                      "deadline": t.vi_date(d)}  # fmt: skip
            mail = Mail(c.email, t.HEAD_SUBJECT.substitute(fields), t.HEAD_BODY.substitute(fields))
            out.append(Planned(f"{year}/self/{days}/head/{sc.code}/{c.email}", mail, 1))
    return out


async def plan_officers(
    s: AsyncSession, scoring: ScoringClient, cfg: SyncSettings, year: str, today: date
) -> list[Planned]:
    contacts = await _contacts(s)
    self_states = await scoring.assessment_states(year, AssessmentKind.SELF.value)
    ext_states = await scoring.assessment_states(year, AssessmentKind.EXTERNAL.value)
    waiting: dict[tuple[str, int, date], list[SchoolScope]] = defaultdict(list)
    for sc, d, days in await _due(s, scoring, cfg, year, AssessmentKind.EXTERNAL, today):
        if self_states.get(sc.code) == "approved" or ext_states.get(sc.code) == "concluded":
            for unit in sc.ancestors:
                waiting[(unit, days, d)].append(sc)
    out = []
    for (unit, days, d), schools in sorted(waiting.items()):
        listing = "\n".join(f"- {x.code} {x.name}" for x in sorted(schools, key=lambda x: x.code))
        for c in (c for c in contacts.get(unit, []) if c.role == "officer"):
            fields = {"name": c.name or "Cán bộ phụ trách", "unit": unit, "year": year, "days": days,
                      "count": len(schools), "deadline": t.vi_date(d), "schools": listing}  # fmt: skip
            mail = Mail(c.email, t.OFFICER_SUBJECT.substitute(fields), t.OFFICER_BODY.substitute(fields))
            out.append(Planned(f"{year}/external/{days}/officer/{unit}/{c.email}", mail, len(schools)))
    return out


async def _claim(factory: async_sessionmaker[AsyncSession], p: Planned) -> bool:
    async with factory() as s:
        s.add(ReminderSent(key=p.key, email=p.mail.to, subject=p.mail.subject[:255], schools=p.schools))
        try:
            await s.commit()
        except IntegrityError:
            return False
    return True


async def _release(factory: async_sessionmaker[AsyncSession], key: str) -> None:
    async with factory() as s:
        await s.execute(delete(ReminderSent).where(ReminderSent.key == key))  # type: ignore[arg-type]
        await s.commit()


def smtp_config(cfg: SyncSettings) -> SmtpConfig | None:
    if not cfg.smtp_host:
        return None
    pw = cfg.smtp_password.get_secret_value() if cfg.smtp_password else None
    return SmtpConfig(cfg.smtp_host, cfg.smtp_port, cfg.smtp_from, cfg.smtp_username, pw,
                      cfg.smtp_starttls, cfg.smtp_timeout_seconds)  # fmt: skip


async def send_planned(
    factory: async_sessionmaker[AsyncSession], smtp: SmtpConfig, plan: list[Planned]
) -> int:
    sent = 0
    async with SmtpSession(smtp) as session:
        for p in plan:
            if not await _claim(factory, p):
                continue
            try:
                await session.send(p.mail)
            except Exception:
                await _release(factory, p.key)
                raise
            sent += 1
    return sent


async def send_reminders(app: FastAPI) -> dict[str, Any]:
    from services.sync.jobs import school_year_of, today_vn

    cfg: SyncSettings = app.state.settings
    smtp = smtp_config(cfg)
    if smtp is None:
        return {"sent": 0, "note": "SYNC_SMTP_HOST is not set: no e-mail sent"}
    today = today_vn()
    year = school_year_of(today)
    async with app.state.session_factory() as s:
        plan = [*await plan_heads(s, app.state.scoring, cfg, year, today),
                *await plan_officers(s, app.state.scoring, cfg, year, today)]  # fmt: skip
    sent = await send_planned(app.state.session_factory, smtp, plan) if plan else 0
    return {"school_year": year, "day": today.isoformat(), "planned": len(plan), "sent": sent}
