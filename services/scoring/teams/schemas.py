from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class TeamRole(StrEnum):
    LEAD = "truong_doan"  # Trưởng đoàn
    DEPUTY = "pho_truong_doan"  # Phó Trưởng đoàn
    SECRETARY = "thu_ky"  # Thư ký
    MEMBER = "thanh_vien"  # Thành viên


class TeamMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255, examples=["Trần Văn Bình"])
    position: str = Field(min_length=1, max_length=255, examples=["Chuyên viên"])
    workplace: str | None = Field(None, max_length=255, examples=["Phòng GDĐT Quận 1"])
    role: TeamRole
    task: str | None = Field(None, max_length=1000)


class Assignment(BaseModel):
    """Which school a team assesses, and on which day (the schedule, lịch đánh giá)."""

    model_config = ConfigDict(extra="forbid")

    school_code: str = Field(min_length=1, max_length=32)
    on: date


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255, examples=["Đoàn số 1"])
    members: list[TeamMember] = Field(min_length=1, max_length=30)
    assignments: list[Assignment] = Field(default_factory=list, max_length=2000)


class TeamPlanWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_number: str | None = Field(None, max_length=64, examples=["120/QĐ-PGDĐT"])
    decision_date: date | None = None
    signer_name: str | None = Field(None, max_length=255)
    teams: list[Team] = Field(min_length=1, max_length=200)


class TeamPlanOut(TeamPlanWrite):
    unit_id: str
    school_year: str
    version: int
    updated_by: str
    updated_at: datetime
