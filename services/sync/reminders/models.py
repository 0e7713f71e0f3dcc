"""Who receives reminders, and which reminders went out (the sent-log that stops a second send)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.sync.models_base import SyncModel
from shared.db import UTCDateTime, utcnow


class ReminderContact(SyncModel, table=True):
    """An address reminded for a unit: `head` for a school (its code), `officer` for an org unit
    (Phòng or Sở id; reminded about the schools under it)."""

    __tablename__ = "reminder_contact"

    unit_id: str = Field(primary_key=True, max_length=64)
    email: str = Field(primary_key=True, max_length=254)
    role: str = Field(max_length=16)  # head | officer
    name: str | None = Field(default=None, max_length=255)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReminderSent(SyncModel, table=True):
    """One row per message: the key (year, kind, days before, role, unit, address) is claimed
    before sending, so no run, retry or concurrent scheduler sends it twice."""

    __tablename__ = "reminder_sent"

    key: str = Field(primary_key=True, max_length=400)
    email: str = Field(max_length=254)
    subject: str = Field(max_length=255)
    schools: int
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
