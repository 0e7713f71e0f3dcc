"""The durable cursor into the scoring service's change feed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from services.sync.models_base import SyncModel
from shared.db import UTCDateTime, utcnow


class FeedCursor(SyncModel, table=True):
    __tablename__ = "feed_cursor"

    name: str = Field(primary_key=True, max_length=32)
    position: int = 0
    # moved with the position by the ORM: when the consumer last advanced
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow}
    )
