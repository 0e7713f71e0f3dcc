from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

Name = str


class CouncilRole(StrEnum):
    CHAIR = "chu_tich"  # Chủ tịch hội đồng (the head)
    VICE_CHAIR = "pho_chu_tich"  # Phó Chủ tịch
    SECRETARY = "thu_ky"  # Thư ký
    MEMBER = "uy_vien"  # Ủy viên


class CouncilMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255, examples=["Nguyễn Thị Hoa"])
    position: str = Field(min_length=1, max_length=255, examples=["Hiệu trưởng"])
    role: CouncilRole
    task: str = Field(min_length=1, max_length=1000, examples=["Phụ trách chung"])


class CouncilWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_number: str | None = Field(None, max_length=64, examples=["15/QĐ-THKĐ"])
    decision_date: date | None = None
    signer_name: str | None = Field(None, max_length=255, description="the head who signs")
    members: list[CouncilMember] = Field(min_length=1, max_length=50)


class CouncilOut(CouncilWrite):
    school_code: str
    school_year: str
    version: int
    updated_by: str
    updated_at: datetime


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    roles: list[str]
    before: dict[str, object]
    after: dict[str, object]
