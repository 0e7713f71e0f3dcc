"""Wire contracts that more than one service uses: enums, school years, change-feed events."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, model_validator


class SchoolLevel(StrEnum):
    TH = "TH"  # tiểu học (primary)
    THCS = "THCS"  # trung học cơ sở (lower secondary)
    THPT = "THPT"  # trung học phổ thông (upper secondary)
    GDTX = "GDTX"  # giáo dục thường xuyên (continuing education)


class AssessmentKind(StrEnum):
    SELF = "self"  # tự đánh giá
    EXTERNAL = "external"  # đánh giá ngoài


_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def _check_school_year(v: str) -> str:
    m = _YEAR.match(v)
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        raise ValueError(
            "school_year_format|Năm học phải có dạng 2024-2025.|A school year is written like 2024-2025."
        )
    return v


SchoolYear = Annotated[str, AfterValidator(_check_school_year), Field(examples=["2024-2025"])]

# `year` is the 1.0 name of what every other body calls `school_year`: answers carry both in 1.x
DEPRECATED_YEAR = "Deprecated: the same as `school_year` (kept in 1.x, removed in 2.0)."


class WithSchoolYear(BaseModel):
    """An answer about one school year: `school_year`, and `year`, its deprecated duplicate.
    Either name fills the other, so the code building an answer names it once."""

    school_year: str = Field(description="the school year (năm học)", examples=["2024-2025"])
    year: str = Field(description=DEPRECATED_YEAR, json_schema_extra={"deprecated": True})

    @model_validator(mode="before")
    @classmethod
    def _both_names(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if "school_year" not in data and "year" in data:
                return {**data, "school_year": data["year"]}
            if "year" not in data and "school_year" in data:
                return {**data, "year": data["school_year"]}
        return data


def is_school_year(v: str) -> bool:
    try:
        _check_school_year(v)
    except ValueError:
        return False
    return True


class EventType(StrEnum):
    ASSESSMENT_SUBMITTED = "assessment.submitted"
    ASSESSMENT_APPROVED = "assessment.approved"
    ASSESSMENT_RETURNED = "assessment.returned"
    ASSESSMENT_ACCEPTED = "assessment.accepted"
    ASSESSMENT_CONCLUDED = "assessment.concluded"
    ASSESSMENT_RECOGNISED = "assessment.recognised"
    ASSESSMENT_REOPENED = "assessment.reopened"


class ChangeEvent(BaseModel):
    """One entry of the scoring service's change feed, read with a cursor (`after=id`)."""

    id: int
    type: str
    occurred_at: datetime
    school_code: str
    school_year: str
    assessment_id: str
    version: int
    payload: dict[str, Any] = Field(default_factory=dict)


class EventPage(BaseModel):
    events: list[ChangeEvent]
    next_cursor: int = Field(description="pass as `after` to continue; equals `after` when nothing new")


class CriterionSnapshot(BaseModel):
    code: str
    points: str | None = Field(None, description="decimal string; null for a mandatory criterion")
    level: int | None = None
    met: bool | None = Field(None, description="mandatory criteria only")


class GroupSnapshot(BaseModel):
    code: str
    points: str
    level: int | None
    mandatory_met: bool
    criteria: list[CriterionSnapshot]


class Approval(BaseModel):
    """Who approved (phê duyệt) a self-assessment, or recognised (công nhận) an external one."""

    by: str
    by_name: str | None = None
    at: datetime
    decision_number: str | None = Field(None, description="recognition decision (số quyết định)")
    decision_date: str | None = Field(None, description="ISO date of the decision")


class AssessmentSnapshot(BaseModel):
    """What an `assessment.approved` / `assessment.recognised` event carries: enough for the sync
    service to build a CSDL submission and for the evidence service to lock what it references,
    without reading the scoring service's tables."""

    assessment_id: str
    school_code: str
    school_name: str | None = None
    province_code: str | None = None
    school_year: str
    kind: AssessmentKind
    framework: str = Field(description="`id@version` the assessment was scored with")
    version: int = Field(description="the assessment's version; a newer one supersedes")
    state: str
    groups: list[GroupSnapshot]
    approval: Approval | None = None
    evidence_ids: list[str] = Field(default_factory=list)
    content_hash: str = Field(description="sha256 of the scored content, for idempotent delivery")


class SchoolScope(BaseModel):
    """Where a school sits in the org hierarchy, as the scoring service's registry says today:
    other services ask for it to decide whether a principal may touch the school."""

    code: str
    name: str
    province_code: str | None = None
    ancestors: list[str] = Field(description="org unit ids from the root down to the managing unit")
    active: bool = True


class SubjectGrant(BaseModel):
    """What a user or API client may reach now, as the gateway's registry says: the sync service
    asks for it at every webhook send, so a client that loses a school stops receiving its events."""

    sub: str
    kind: str = Field(description="`user` or `client`")
    roles: list[str]
    org_units: list[str] = Field(default_factory=list)
    schools: list[str] = Field(default_factory=list)
    all_orgs: bool = False
    active: bool = Field(description="false when the account is disabled")


# The school registry's CSV import (`POST /api/v1/org/import` of scoring): its columns, in order;
# the gateway's Excel import writes this CSV.
SCHOOL_CSV_COLUMNS = (
    "code",
    "name",
    "province_code",
    "levels",
    "managing_unit_id",
    "assessing_unit_id",
    "opened_on",
    "ownership",  # optional: public (công lập) | non_public (ngoài công lập)
)
