"""Per-province overrides of the national deadline calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field

from services.sync.models_base import SyncModel
from shared.db import UTCDateTime, utcnow


class DeadlineOverride(SyncModel, table=True):
    __tablename__ = "deadline_override"

    province_code: str = Field(primary_key=True, max_length=8)
    school_year: str = Field(primary_key=True, max_length=9)
    kind: str = Field(primary_key=True, max_length=16)
    on_time_deadline: date  # hạn nộp: a receipt on or before this day is on time
    edit_lock_date: date | None = None  # ngày khóa sửa: after this day edits are refused
    milestones: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_by: str = Field(max_length=128)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
