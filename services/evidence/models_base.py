"""The evidence service's own SQLModel registry: its metadata holds only this service's tables."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

evidence_registry = registry()


class EvidenceModel(SQLModel, registry=evidence_registry):
    pass


metadata = evidence_registry.metadata
