"""The CSDL-style endpoint's wire contract (DESIGN section 5): one module, so a vendor's real
connection can replace the adapter without touching the delivery pipeline.

`POST /oauth/token` (client credentials) → bearer token; `POST /api/v1/chuyen-doi-so/ket-qua`
with `Idempotency-Key` → 201 + receipt (the same key again → the same receipt);
`GET /api/v1/chuyen-doi-so/ket-qua/{receipt}` → what was recorded;
`POST /api/v1/chuyen-doi-so/ket-qua/{receipt}/thu-hoi` with a reason and `Idempotency-Key` →
200 + the record marked withdrawn (thu hồi: a result returned or superseded at the school's end).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.contracts import AssessmentKind, AssessmentSnapshot, SchoolYear

SUBMIT_PATH = "/api/v1/chuyen-doi-so/ket-qua"
TOKEN_PATH = "/oauth/token"  # noqa: S105  a path, not a secret
REPLAYED_HEADER = "Idempotent-Replayed"
WITHDRAW_SUFFIX = "/thu-hoi"


def withdraw_path(receipt_id: str) -> str:
    return f"{SUBMIT_PATH}/{receipt_id}{WITHDRAW_SUFFIX}"


class CriterionResult(BaseModel):
    code: str
    points: str | None = None
    level: int | None = None
    met: bool | None = None


class GroupResult(BaseModel):
    code: str
    points: str
    level: int | None = None
    mandatory_met: bool
    criteria: list[CriterionResult] = Field(default_factory=list)


class ApprovalInfo(BaseModel):
    """Phê duyệt: who approved a self-assessment, and when."""

    by: str
    by_name: str | None = None
    at: datetime


class RecognitionInfo(BaseModel):
    """Công nhận: the decision recognising an external assessment's result."""

    decision_number: str = Field(min_length=1)
    decision_date: str | None = None
    by: str | None = None
    at: datetime | None = None


class Submission(BaseModel):
    """One school's result for one school year and kind, as CSDL ngành records it."""

    school_code: str = Field(min_length=4, max_length=32, pattern=r"^[0-9A-Za-z]+$")
    school_year: SchoolYear
    kind: AssessmentKind
    framework: str = Field(min_length=1)
    groups: list[GroupResult] = Field(min_length=1)
    approval: ApprovalInfo | None = None
    recognition: RecognitionInfo | None = None
    evidence_links: list[str] = Field(default_factory=list)
    version: int = Field(ge=1, description="the assessment's version in the source system")
    content_hash: str


class Receipt(BaseModel):
    receipt_id: str
    recorded_at: datetime
    replayed: bool = False


class RecordedResult(BaseModel):
    receipt_id: str
    recorded_at: datetime
    submission: Submission
    withdrawn_at: datetime | None = Field(None, description="thu hồi: when the record was withdrawn")
    withdrawal_reason: str | None = None
    replaced_by: str | None = Field(
        None, description="the receipt of a later delivery for the same school, year and kind"
    )


class WithdrawalRequest(BaseModel):
    """Thu hồi: why a delivered result no longer stands (returned or superseded at the source)."""

    reason: str = Field(min_length=1, max_length=500)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


def submission_from_snapshot(s: AssessmentSnapshot, evidence_base: str = "") -> Submission:
    """Map the scoring service's snapshot onto the CSDL submission."""
    approval = recognition = None
    if s.approval is not None:
        if s.kind == AssessmentKind.SELF:
            approval = ApprovalInfo(by=s.approval.by, by_name=s.approval.by_name, at=s.approval.at)
        else:
            recognition = RecognitionInfo(
                decision_number=s.approval.decision_number or "",
                decision_date=s.approval.decision_date,
                by=s.approval.by,
                at=s.approval.at,
            )
    return Submission(
        school_code=s.school_code,
        school_year=s.school_year,
        kind=s.kind,
        framework=s.framework,
        groups=[GroupResult.model_validate(g.model_dump()) for g in s.groups],
        approval=approval,
        recognition=recognition,
        evidence_links=[f"{evidence_base}{e}" for e in s.evidence_ids],
        version=s.version,
        content_hash=s.content_hash,
    )
