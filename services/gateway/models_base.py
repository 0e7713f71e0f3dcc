"""The gateway's own SQLModel registry: its metadata holds only the gateway's tables."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

gateway_registry = registry()


class GatewayModel(SQLModel, registry=gateway_registry):
    pass


metadata = gateway_registry.metadata
