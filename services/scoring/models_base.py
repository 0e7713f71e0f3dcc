"""The scoring service's own SQLModel registry: its metadata holds only this service's tables."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

scoring_registry = registry()


class ScoringModel(SQLModel, registry=scoring_registry):
    pass


metadata = scoring_registry.metadata
