"""The one audit trail of the records (council, teams, publication links) and the checks every
record write shares: the version guard (`If-Match`) and the date bounds of a school year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.scoring.council.models import Council, RecordAudit, TeamPlan
from services.scoring.council.schemas import AuditOut
from services.scoring.errors import ConcurrentWrite, VersionMismatch
from shared.db import utcnow
from shared.errors import FieldError, Unprocessable
from shared.i18n import msg
from shared.pagination import Page, paginate_ids
from shared.principal import Principal


async def flush_new(session: AsyncSession) -> None:
    """Two first writes of one record at once: the second insert hits the primary key (or the
    unique constraint) and answers 409, never a 500; the request's transaction rolls back."""
    try:
        await session.flush()
    except IntegrityError as e:
        raise ConcurrentWrite() from e


async def update_if_version(
    session: AsyncSession,
    model: type[Council] | type[TeamPlan],
    where: list[ColumnElement[bool]],
    read: int,
    values: dict[str, Any],
) -> None:
    """Write only if the row still has the version this request read: one conditional UPDATE, so
    two concurrent edits cannot both win (SQLite has no row locks; PostgreSQL's would only
    serialise them). The loser answers 409 and writes nothing."""
    q = update(model).where(*where, col(model.version) == read).values(**values, version=read + 1)
    result = await session.execute(q.execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentWrite()


Rec = TypeVar("Rec", Council, TeamPlan)


async def save_versioned(
    session: AsyncSession,
    p: Principal,
    model: type[Rec],
    key: tuple[str, str],
    body: BaseModel,
    if_match: str | None,
    record: str,
    snapshot: Callable[[Rec | None], dict[str, Any]],
) -> tuple[Rec, bool]:
    """The record of `key` (its subject and school year) as `body` describes it, after the
    `If-Match` check: inserted (`True`), or updated in place from the version read
    (`update_if_version`); audited with its snapshot before and after. `decision_date` stays a
    date, not its JSON text."""
    subject, year = key
    names = [c.name for c in model.__table__.primary_key.columns]  # type: ignore[attr-defined]
    row = await session.get(model, key)
    check_version(if_match, row.version if row else None)
    before = snapshot(row)
    data = body.model_dump(mode="json")
    decided = getattr(body, "decision_date", None)
    created = row is None
    if row is None:
        row = model(**{**dict(zip(names, key, strict=True)), "updated_by": p.sub, **data})
        row.decision_date = decided
        session.add(row)
        await flush_new(session)
    else:
        where = [col(getattr(model, n)) == v for n, v in zip(names, key, strict=True)]
        values = {**data, "decision_date": decided, "updated_by": p.sub, "updated_at": utcnow()}
        await update_if_version(session, model, where, row.version, values)
        await session.refresh(row)
    audit(session, p, record, subject, year, before, snapshot(row))
    return row, created


def check_version(if_match: str | None, current: int | None) -> None:
    """`If-Match` is optional; when sent it must name the version the caller read ("*" for any)."""
    if if_match is None or if_match.strip() == "*":
        return
    if current is None or if_match.strip().strip('"') != str(current):
        raise VersionMismatch(current_version=current)


def year_bounds(year: str) -> tuple[date, date]:
    """A school year runs from 1 September to 31 August."""
    start = int(year[:4])
    return date(start, 9, 1), date(start + 1, 8, 31)


def check_in_year(d: date | None, year: str, pointer: str) -> FieldError | None:
    if d is None:
        return None
    lo, hi = year_bounds(year)
    if lo <= d <= hi:
        return None
    return FieldError(
        pointer=pointer,
        code="date_outside_school_year",
        message=msg(
            f"Ngày phải trong năm học {year} ({lo.isoformat()} – {hi.isoformat()}).",
            f"The date must fall in school year {year} ({lo.isoformat()} – {hi.isoformat()}).",
        ),
    )


def raise_if(errors: list[FieldError | None]) -> None:
    found = [e for e in errors if e is not None]
    if found:
        raise Unprocessable(errors=found)


def audit(
    session: AsyncSession,
    p: Principal,
    record: str,
    subject: str,
    year: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    session.add(
        RecordAudit(
            record=record,
            subject_id=subject,
            school_year=year,
            actor=p.sub,
            roles=sorted(r.value for r in p.roles),
            before=before,
            after=after,
        )
    )


def answer_version(response: Response, version: int, created: bool = False) -> None:
    """A record's answer names its version as the ETag the next `If-Match` sends back; a PUT that
    created the record answers 201."""
    response.headers["ETag"] = f'"{version}"'
    if created:
        response.status_code = 201


async def trail_page(
    session: AsyncSession, record: str, subject: str, year: str, cursor: str | None, limit: int
) -> Page[AuditOut]:
    """A page of the record's audit trail, oldest first."""
    rows, nxt, total = paginate_ids(
        await trail(session, record, subject, year), cursor, limit, lambda a: int(a.id or 0)
    )
    items = [AuditOut.model_validate(a, from_attributes=True) for a in rows]
    return Page(items=items, next_cursor=nxt, total=total)


async def trail(session: AsyncSession, record: str, subject: str, year: str) -> list[RecordAudit]:
    q = (
        select(RecordAudit)
        .where(col(RecordAudit.record) == record, col(RecordAudit.subject_id) == subject)
        .where(col(RecordAudit.school_year) == year)
        .order_by(RecordAudit.id)  # type: ignore[arg-type]
    )
    return list((await session.execute(q)).scalars())
