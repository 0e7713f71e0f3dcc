from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from services.sync.deadlines.calendar import Deadline, Milestone
from shared.pagination import PageFields


class CalendarOut(BaseModel):
    school_year: str
    province_code: str | None = None
    deadlines: list[Deadline]


class OverrideIn(BaseModel):
    """A province's calendar for one kind: the on-time deadline and the edit lock are separate."""

    on_time_deadline: date = Field(description="hạn nộp: receipts dated on or before this day are on time")
    edit_lock_date: date | None = Field(
        None, description="ngày khóa sửa: after this day edits are locked (defaults to the on-time deadline)"
    )
    milestones: list[Milestone] = Field(
        default_factory=list, description="the province's internal milestones"
    )

    @model_validator(mode="after")
    def _lock_not_before_deadline(self) -> OverrideIn:
        if self.edit_lock_date is not None and self.edit_lock_date < self.on_time_deadline:
            raise ValueError(
                "edit_lock_before_deadline|Ngày khóa sửa không được trước hạn nộp."
                "|The edit lock date cannot be before the on-time deadline."
            )
        return self


class AtRiskReason(StrEnum):
    NOT_READY = "not_ready"  # not yet approved (self) / not yet recognised (external)
    DELIVERY_PENDING = "delivery_pending"  # approved, CSDL has not confirmed it yet
    DELIVERY_FAILED = "delivery_failed"  # dead-lettered: needs a manual re-send


class AtRiskSchool(BaseModel):
    school_code: str
    school_name: str
    province_code: str | None
    on_time_deadline: date
    days_left: int
    reason: AtRiskReason


class AtRiskOut(PageFields):
    school_year: str
    kind: str
    as_of: date
    within_days: int
    expected_as_of: date = Field(
        description="the deadline day the expected set was taken on (the registry as of that day)"
    )
    scope_as_of: date = Field(description="the day the caller's scope was applied: today (Vietnam time)")
    items: list[AtRiskSchool] = Field(description="by days left, then school code")


class Timeliness(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"


class SchoolTimeliness(BaseModel):
    school_code: str
    school_name: str
    province_code: str | None
    on_time_deadline: date
    status: Timeliness
    receipt_id: str | None = Field(None, description="the receipt of the result that stands")
    receipt_at: datetime | None = None
    withdrawn_receipt_ids: list[str] = Field(
        default_factory=list, description="receipts withdrawn from CSDL (thu hồi): they no longer count"
    )


class TimelinessOut(PageFields):
    school_year: str
    kind: str
    expected_as_of: date = Field(
        description="figures as of this deadline day: the schools expected are those open on it"
    )
    scope_as_of: date = Field(
        description="which of them the caller may read is decided by the caller's scope on this day (today)"
    )
    expected: int = Field(description="schools open on the deadline day (registry as of that day)")
    on_time: int
    late: int
    missing: int
    items: list[SchoolTimeliness] = Field(
        description="by school code; the counts above are the whole list's, whichever page this is"
    )
