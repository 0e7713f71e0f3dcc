"""Who may call the gateway: people (local users of the embedded default), API clients (vendors'
systems, OAuth2 client credentials) and the clients' credentials (several live at once, so keys
rotate without downtime). Secrets and passwords are stored only as Argon2id hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field

from services.gateway.models_base import GatewayModel
from shared.db import UTCDateTime, utcnow


class Subject(GatewayModel):
    """What a user and a client share: roles, org scope, and the token generation that revokes
    every token issued before it when bumped."""

    name: str = Field(max_length=255)
    roles: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    org_units: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    schools: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    all_orgs: bool = False
    disabled: bool = False
    token_generation: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(Subject, table=True):
    __tablename__ = "gw_user"

    id: str = Field(primary_key=True, max_length=64)
    username: str = Field(unique=True, index=True, max_length=128)
    password_hash: str = Field(max_length=255)


class ApiClient(Subject, table=True):
    __tablename__ = "api_client"

    id: str = Field(primary_key=True, max_length=64)  # the OAuth2 client_id
    rate_limit_per_second: float | None = None  # None: the gateway's default
    rate_limit_burst: int | None = None


class Credential(GatewayModel, table=True):
    """One client secret. The secret is `cs_<id>_<random>`: the id finds the row, the random part
    is verified against the hash, so a client with several live credentials costs one hash check."""

    __tablename__ = "client_credential"

    id: str = Field(primary_key=True, max_length=32)
    client_id: str = Field(foreign_key="api_client.id", index=True, max_length=64)
    label: str | None = Field(default=None, max_length=128)
    secret_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
