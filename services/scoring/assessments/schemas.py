from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from services.scoring.assessments.models import Assessment
from services.scoring.frameworks.examples import PRIMARY_SCHOOL
from shared.openapi import typed_as


class AssessmentWrite(BaseModel):
    """The document a school (or its vendor) writes: facts, awarded points, evidence ids. Facts and
    awarded are validated against the framework in force for the year, all errors at once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "facts": PRIMARY_SCHOOL["facts"],
                    "awarded": PRIMARY_SCHOOL["awarded"],
                    "evidence_ids": ["ev_01HZX3", "ev_01HZX4"],
                }
            ]
        },
    )

    facts: dict[str, Any] = Field(
        default_factory=dict, json_schema_extra=typed_as("Facts", "facts keyed by item or criterion code")
    )
    awarded: dict[str, Any] = Field(
        default_factory=dict, json_schema_extra=typed_as("Awarded", "item code → points awarded")
    )
    evidence_ids: list[str] = Field(default_factory=list, max_length=500)


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=2000, description="required to return or reopen")
    item_comments: dict[str, str] = Field(
        default_factory=dict,
        description="item code → what is missing; a returned assessment reopens only these "
        "(and what they require); codes must exist in the assessment's framework",
    )
    reopen_all: bool = Field(
        False, description="a reviewer's return reopens the whole assessment instead of named items"
    )


class RecogniseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_number: str = Field(min_length=1, max_length=64, examples=["125/QĐ-SGDĐT"])
    decision_date: date


class Permissions(BaseModel):
    """What the caller may do next, as DHIS2's approval API tells its clients."""

    may_edit: bool
    may_submit: bool
    may_approve: bool
    may_return: bool
    may_accept: bool
    may_request_external: bool
    may_start_external: bool
    may_conclude: bool
    may_reopen: bool
    may_recognise: bool
    allowed_actions: list[str]


# The row's fields a reader sees, in the answer's order. Their types are read from the table
# model (`Assessment`), so each is declared once; the wire keeps the types it was published with
# where they differ: `kind` and `state` as plain strings (enums on the row), `awarded` as any
# JSON value (numbers are written, decimal strings stored).
PUBLIC_FIELDS = (
    *("id", "school_code", "school_year", "kind", "framework", "version", "state"),
    *("facts", "awarded", "evidence_ids", "open_items", "external_requested", "review_comment"),
    *("item_comments", "submitted_at", "approved_at", "approved_by", "decision_number"),
    *("decision_date", "recognised_at"),
)
_WIRE_TYPES: dict[str, Any] = {"kind": str, "state": str, "awarded": dict[str, Any]}

_ROW_FIELDS: dict[str, Any] = {
    name: (_WIRE_TYPES.get(name, Assessment.model_fields[name].annotation), ...) for name in PUBLIC_FIELDS
}
AssessmentOut = create_model(
    "AssessmentOut",
    **_ROW_FIELDS,
    official=(bool, Field(description="True for a recognised external assessment: the official level")),
    score=(dict[str, Any], Field(description="the full breakdown, as the score preview returns it")),
    permissions=(Permissions, ...),
)


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_kind: str
    roles: list[str]
    action: str
    version: int
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str | None


class ItemComparison(BaseModel):
    code: str
    title: str
    self_cap: float | int | None
    self_points: float | int | None
    external_cap: float | int | None
    external_points: float | int | None
    difference: float | int | None
    facts_differ: bool


class Comparison(BaseModel):
    school_code: str
    school_year: str
    self_version: int
    external_version: int
    groups: list[dict[str, Any]]
    items: list[ItemComparison]
