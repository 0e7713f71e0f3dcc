"""Vendors' webhook subscriptions and the log of every delivery to them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field

from services.sync.models_base import SyncModel
from shared.db import UTCDateTime, utcnow


class WebhookSubscription(SyncModel, table=True):
    __tablename__ = "webhook_subscription"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    owner: str = Field(max_length=128, index=True)
    owner_kind: str = Field(default="client", max_length=16)  # user | client: how the gateway knows it
    # the owner's grant when subscribing: the scope check's fallback where no gateway is configured
    grant: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    url: str = Field(max_length=1000)
    secret: str = Field(max_length=128)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the schools whose events reach this URL: fixed at subscription time from the caller's scope
    # (an explicit list, or every school in scope); `all_schools` only for nationwide principals
    schools: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    all_schools: bool = False
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(SyncModel, table=True):
    __tablename__ = "webhook_delivery"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    subscription_id: str = Field(foreign_key="webhook_subscription.id", max_length=36, index=True)
    event: str = Field(max_length=32)
    school_code: str | None = Field(default=None, max_length=32)  # re-checked against scope at send
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # pending | sending | delivered | failed | dropped (out of the subscriber's scope at send)
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
