from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

EventName = Literal[
    "sync.delivered",
    "sync.failed",
    "sync.withdrawn",
    "deadline.at_risk",
    "assessment.submitted",
    "assessment.approved",
    "assessment.returned",
    "assessment.accepted",
    "assessment.concluded",
    "assessment.recognised",
    "assessment.reopened",
]


class SubscriptionIn(BaseModel):
    url: str = Field(
        max_length=2048,
        description="http(s), no credentials; must resolve to public addresses only",
        examples=["https://vendor.example/hooks/chiso"],
    )
    events: list[EventName] = Field(min_length=1)
    schools: list[Annotated[str, Field(pattern=r"^[0-9A-Za-z]{4,32}$")]] = Field(
        default_factory=list,
        max_length=50_000,
        description="only these schools (each must be in the caller's scope); empty: all",
    )


class SubscriptionOut(BaseModel):
    id: str
    url: str
    events: list[str]
    schools: list[str]
    all_schools: bool
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(
        description="`whsec_…` signing secret (Standard Webhooks: `webhook-signature`); shown only once"
    )


class WebhookDeliveryOut(BaseModel):
    id: str
    event: str
    state: str = Field(description="pending | sending | delivered | failed")
    attempts: int
    last_status: int | None = None
    last_error: str | None = None
    created_at: datetime
    delivered_at: datetime | None = None
