"""The sync service's own SQLModel registry: its metadata holds only this service's tables."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

sync_registry = registry()


class SyncModel(SQLModel, registry=sync_registry):
    pass


metadata = sync_registry.metadata
