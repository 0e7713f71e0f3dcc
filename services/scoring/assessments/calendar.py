"""Where assessments are written, the deadline calendar is enforced (the calendar itself is the
sync service's; scoring reads it from `GET /internal/v1/deadlines`, cached briefly).

- The school-year window: new assessments only for the school years the setting opens
  (`current` and `next` by default; a school year turns on 1 August), never arbitrary ones.
- The edit lock (ngày khóa sửa): after that day (Vietnam time, I-9: the lock day itself is still
  open) PUT, bulk writes and submissions are refused (409 `edit_locked`), unless the province's Sở
  granted the school an extension that has not ended (`extensions.py`).
- Sync unreachable: the write is refused with 503 `calendar_unavailable` (retry later), never
  accepted unchecked: a write past the lock would be an official record no one may hold.
"""

from __future__ import annotations

import time
from datetime import date

import httpx
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.scoring.assessments.models import EditExtension
from services.scoring.assessments.rules import vn_today
from services.scoring.errors import CalendarUnavailable
from shared.contracts import AssessmentKind
from shared.errors import Conflict, Unprocessable
from shared.i18n import msg
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal

REOPEN_BY = "officer of the province's Sở GDĐT: POST …/assessments/{year}/{kind}/extensions"


def school_year_of(day: date) -> str:
    """The school year a day falls in (it turns on 1 August)."""
    y = day.year if day.month >= 8 else day.year - 1
    return f"{y}-{y + 1}"


def open_years(setting: list[str], today: date) -> list[str]:
    current = school_year_of(today)
    start = int(current[:4])
    named = {"current": current, "next": f"{start + 1}-{start + 2}", "previous": f"{start - 1}-{start}"}
    return sorted({named.get(s, s) for s in setting})


def check_window(
    year: str, setting: list[str], pointer: str = "/path/year", today: date | None = None
) -> None:
    """`today`: a batch's own day (bulk), read once for all its rows and its edit locks."""
    years = open_years(setting, today or vn_today())
    if year not in years:
        raise Unprocessable.at(
            pointer,
            "school_year_not_open",
            f"Năm học {year} không mở để tạo bản đánh giá (đang mở: {', '.join(years)}).",
            f"School year {year} is not open for new assessments (open: {', '.join(years)}).",
            open_school_years=years,
        )


class Calendar:
    """The edit lock of (school year, kind, province), read from sync and kept `ttl` seconds.
    `http` None: no calendar (scoring run alone, as its own tests do); every deployment sets it."""

    def __init__(self, http: httpx.AsyncClient | None, secret: str, ttl: float) -> None:
        self.http, self.secret, self.ttl = http, secret, ttl
        self._cache: dict[tuple[str, str | None], tuple[float, dict[str, date]]] = {}

    def _headers(self) -> dict[str, str]:
        p = Principal(
            sub="scoring", kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE}), all_orgs=True
        )
        return {HEADER: sign_principal(p, self.secret, ttl=60)}

    async def edit_lock(self, year: str, kind: AssessmentKind, province: str | None) -> date | None:
        if self.http is None:
            return None
        key = (year, province)
        hit = self._cache.get(key)
        if hit is None or hit[0] < time.monotonic():
            params = {"school_year": year, **({"province": province} if province else {})}
            try:
                r = await self.http.get("/internal/v1/deadlines", params=params, headers=self._headers())
                r.raise_for_status()
                locks = {d["kind"]: date.fromisoformat(d["edit_lock_date"]) for d in r.json()["deadlines"]}
            except (httpx.HTTPError, KeyError, ValueError) as e:
                raise CalendarUnavailable() from e
            hit = (time.monotonic() + self.ttl, locks)
            self._cache[key] = hit
        return hit[1].get(kind.value)


def extensions_of(code: str, year: str, kind: AssessmentKind) -> Select[EditExtension]:
    """Every extension granted to the school for this school year and kind."""
    return select(EditExtension).where(
        col(EditExtension.school_code) == code,
        col(EditExtension.school_year) == year,
        col(EditExtension.kind) == kind.value,
    )


async def active_extension(
    session: AsyncSession, code: str, year: str, kind: AssessmentKind, today: date
) -> EditExtension | None:
    q = (
        extensions_of(code, year, kind)
        .where(col(EditExtension.until) >= today, col(EditExtension.revoked_at).is_(None))
        .order_by(col(EditExtension.until).desc())
        .limit(1)
    )
    return (await session.execute(q)).scalar_one_or_none()


async def guard(
    session: AsyncSession,
    calendar: Calendar,
    code: str,
    province: str | None,
    year: str,
    kind: AssessmentKind,
) -> None:
    """Refuse a write or a submission past the edit lock, unless an extension is running."""
    lock = await calendar.edit_lock(year, kind, province)
    today = vn_today()
    if lock is None or today <= lock:
        return
    if await active_extension(session, code, year, kind, today) is not None:
        return
    raise locked(lock)


def locked(lock: date) -> Conflict:
    return Conflict(
        msg(
            f"Đã quá ngày khóa sửa {lock.strftime('%d/%m/%Y')}: không được sửa hay gửi bản đánh giá. "
            "Sở GDĐT có thể mở lại hoặc gia hạn.",
            f"Past the edit lock of {lock.isoformat()}: the assessment can no longer be edited or "
            "submitted. The province's Sở GDĐT may reopen it or grant an extension.",
        ),
        code="edit_locked",
        lock_date=lock.isoformat(),
        reopen_by=REOPEN_BY,
    )


async def extended(
    session: AsyncSession, codes: list[str], kind: AssessmentKind, today: date
) -> set[tuple[str, str]]:
    """(school, year) pairs among `codes` with an extension running today (for a batch)."""
    q = select(col(EditExtension.school_code), col(EditExtension.school_year)).where(
        col(EditExtension.school_code).in_(codes),
        col(EditExtension.kind) == kind.value,
        col(EditExtension.until) >= today,
        col(EditExtension.revoked_at).is_(None),
    )
    return {(c, y) for c, y in (await session.execute(q)).all()}
