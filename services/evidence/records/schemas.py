"""What clients send and receive about evidence."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from services.evidence.records.models import EvidenceKind, Source
from shared.contracts import SchoolYear
from shared.pagination import Page


class EvidenceMeta(BaseModel):
    """Metadata of an evidence: for files sent as form fields (or query parameters with a raw body)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    school_year: SchoolYear
    title: str = Field(min_length=1, max_length=500)
    kind: EvidenceKind
    document_number: str | None = Field(None, max_length=100, description="số văn bản, for documents")
    document_date: date | None = Field(None, description="ngày ban hành, for documents")
    items: list[str] = Field(min_length=1, max_length=50, description="item or criterion codes supported")


class LinkCreate(EvidenceMeta):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "school_year": "2024-2025",
                    "title": "Hệ thống LMS của trường",
                    "kind": "screenshot",
                    "items": ["1.3.2"],
                    "url": "https://lms.example.edu.vn/",
                    "check": True,
                }
            ]
        },
    )

    url: str = Field(max_length=2048)
    check: bool = Field(False, description="fetch the link now and record its status")


class EvidencePublic(BaseModel):
    id: str
    school_code: str
    school_year: str
    codes: list[str] = Field(description="catalogue codes, e.g. MC-1.3-01")
    items: list[str]
    title: str
    kind: EvidenceKind
    source: Source
    document_number: str | None = None
    document_date: date | None = None
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None
    filename: str | None = None
    url: str | None = None
    link_status: int | None = None
    link_error: str | None = None
    link_checked_at: datetime | None = None
    locked: bool
    deduplicated: bool = Field(False, description="identical content was already stored")
    created_by: str
    created_at: datetime
    deleted_at: datetime | None = None


class EvidencePage(Page[EvidencePublic]):
    """Evidence of a school, oldest first."""
