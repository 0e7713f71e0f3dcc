"""The dashboard schema's closed vocabularies as GraphQL enums. Each value's GraphQL name is the
REST API's own value (`self`, `approved`, `TH`, `on_time`…), so one concept has one spelling in
both APIs and a variable sent as JSON (`{"kind": "self"}`) means the same to either. The sets are
the services' own (tests/gateway/test_graphql_enums.py compares them)."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types.enum import EnumValueDefinition


def wire(member: Enum) -> str:
    """The REST value of an enum member (its GraphQL name too)."""
    return str(member.value)


def _v(value: str, description: str) -> EnumValueDefinition:
    return strawberry.enum_value(value, name=value, description=description)


@strawberry.enum(description="tự đánh giá or đánh giá ngoài")
class AssessmentKind(Enum):
    SELF = _v("self", "tự đánh giá: the school's self-assessment")
    EXTERNAL = _v("external", "đánh giá ngoài: the external assessment")


@strawberry.enum(description="where an assessment is in its workflow")
class AssessmentState(Enum):
    NOT_STARTED = _v("not_started", "no assessment yet (in counts and filters only)")
    DRAFT = _v("draft", "being prepared (also after a return)")
    SUBMITTED = _v("submitted", "sent to the school head")
    APPROVED = _v("approved", "phê duyệt by the head: read-only, delivered to CSDL ngành")
    ACCEPTED = _v("accepted", "accepted by the managing unit for external assessment")
    IN_PROGRESS = _v("in_progress", "external assessment being scored")
    CONCLUDED = _v("concluded", "external assessment concluded (kết luận)")
    RECOGNISED = _v("recognised", "công nhận by decision: the official level")


@strawberry.enum(description="cấp học")
class SchoolLevel(Enum):
    TH = _v("TH", "tiểu học (primary)")
    THCS = _v("THCS", "trung học cơ sở (lower secondary)")
    THPT = _v("THPT", "trung học phổ thông (upper secondary)")
    GDTX = _v("GDTX", "giáo dục thường xuyên (continuing education)")


@strawberry.enum(description="công lập or ngoài công lập")
class Ownership(Enum):
    PUBLIC = _v("public", "công lập")
    NON_PUBLIC = _v("non_public", "ngoài công lập (tư thục, dân lập)")


@strawberry.enum(description="what an org unit is")
class OrgUnitKind(Enum):
    MINISTRY = _v("ministry", "Bộ GDĐT")
    DEPARTMENT = _v("department", "Sở GDĐT")
    DISTRICT_OFFICE = _v("district_office", "Phòng GDĐT")
    COMMUNE_OFFICE = _v("commune_office", "a commune office in the Phòng's role (after the 2025 reform)")


@strawberry.enum(description="a school's delivery to CSDL ngành against the deadline")
class TimelinessStatus(Enum):
    ON_TIME = _v("on_time", "received on or before the on-time deadline")
    LATE = _v("late", "received after the deadline")
    MISSING = _v("missing", "not received")


@strawberry.enum(description="why a school risks missing the deadline")
class AtRiskReason(Enum):
    NOT_READY = _v("not_ready", "not yet approved (self) or recognised (external)")
    DELIVERY_PENDING = _v("delivery_pending", "approved; CSDL ngành has not confirmed it yet")
    DELIVERY_FAILED = _v("delivery_failed", "dead-lettered: needs a manual re-send")
