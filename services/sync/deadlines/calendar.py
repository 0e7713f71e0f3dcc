"""The national deadline calendar and its per-province overrides (pure: no database, no clock).

Two dates are kept apart on purpose, because users of other reporting systems confuse them:
- `on_time_deadline` (hạn nộp): a result whose CSDL receipt is dated on or before this day (Vietnam
  time) counts as on time;
- `edit_lock_date` (ngày khóa sửa): after this day the result can no longer be edited.
Defaults (QĐ 4725): self-assessments by 31 May, recognised external results by 20 June of the
school year's second calendar year; the edit lock defaults to the same day until a province sets it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from pydantic import BaseModel, Field

from shared.contracts import AssessmentKind

VN_TZ = timezone(timedelta(hours=7))  # deadlines are days in Vietnam time
DEFAULT_DAY = {AssessmentKind.SELF: (5, 31), AssessmentKind.EXTERNAL: (6, 20)}


class Milestone(BaseModel):
    """A province's own internal milestone (e.g. Phòng review by 15 May)."""

    name: str = Field(min_length=1, max_length=200)
    on: date


class Deadline(BaseModel):
    school_year: str
    kind: AssessmentKind
    province_code: str | None = None
    on_time_deadline: date = Field(description="hạn nộp: receipts dated on or before this day are on time")
    edit_lock_date: date = Field(description="ngày khóa sửa: after this day edits are locked")
    milestones: list[Milestone] = Field(default_factory=list)
    source: str = Field(description="`national` or `province`")

    def closes_at(self) -> datetime:
        """The first instant that is no longer on time, in UTC. A calendar row stored before dates
        were bounded may hold 9999-12-31: that closes at the end of time, not with an overflow."""
        try:
            return datetime.combine(self.on_time_deadline + timedelta(days=1), time(0), VN_TZ).astimezone(UTC)
        except OverflowError:
            return datetime.max.replace(tzinfo=UTC)

    def days_left(self, as_of: date) -> int:
        """Whole days from `as_of` to the deadline (negative once passed); never overflows."""
        return (self.on_time_deadline - as_of).days

    def on_time(self, receipt_at: datetime) -> bool:
        return receipt_at < self.closes_at()


def end_year(school_year: str) -> int:
    return int(school_year.split("-")[1])


def national(school_year: str, kind: AssessmentKind) -> Deadline:
    m, d = DEFAULT_DAY[kind]
    day = date(end_year(school_year), m, d)
    return Deadline(
        school_year=school_year, kind=kind, on_time_deadline=day, edit_lock_date=day, source="national"
    )


def resolve(
    school_year: str,
    kind: AssessmentKind,
    province_code: str | None,
    override: dict[str, Any] | None,
) -> Deadline:
    """The national default, or the province's override when it has one."""
    base = national(school_year, kind)
    if override is None:
        return base.model_copy(update={"province_code": province_code})
    on_time = override["on_time_deadline"]
    return Deadline(
        school_year=school_year,
        kind=kind,
        province_code=province_code,
        on_time_deadline=on_time,
        edit_lock_date=override.get("edit_lock_date") or on_time,
        milestones=[Milestone.model_validate(m) for m in override.get("milestones") or []],
        source="province",
    )
