from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.principal import Role

Id = str


class ScopeFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[Role] = Field(min_length=1)
    org_units: list[str] = Field(default_factory=list, description="units whose subtree is in scope")
    schools: list[str] = Field(default_factory=list, description="explicit school codes")
    all_orgs: bool = False


class ClientCreate(ScopeFields):
    id: Id = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$", examples=["vendor-smas"])
    name: str = Field(min_length=1, max_length=255)
    credential_label: str | None = Field(None, max_length=128)
    rate_limit_per_second: float | None = Field(None, gt=0, description="default: the gateway's")
    rate_limit_burst: int | None = Field(None, ge=1)


class ScopeUpdate(BaseModel):
    """Changing roles or scope, or disabling, revokes every token issued before (generation bump)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=255)
    roles: list[Role] | None = None
    org_units: list[str] | None = None
    schools: list[str] | None = None
    all_orgs: bool | None = None
    disabled: bool | None = None


class UserCreate(ScopeFields):
    username: str = Field(pattern=r"^[A-Za-z0-9._@-]{2,128}$")
    name: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=8, max_length=256)


class ClientUpdate(ScopeUpdate):
    rate_limit_per_second: float | None = Field(None, gt=0)
    rate_limit_burst: int | None = Field(None, ge=1)


class UserUpdate(ScopeUpdate):
    password: str | None = Field(None, min_length=8, max_length=256)


class CredentialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(None, max_length=128)
    expires_at: datetime | None = None


class CredentialPublic(BaseModel):
    id: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewCredential(CredentialPublic):
    client_secret: str = Field(description="shown once: only its hash is kept")


class SubjectPublic(BaseModel):
    id: str
    name: str
    roles: list[str]
    org_units: list[str]
    schools: list[str]
    all_orgs: bool
    disabled: bool
    token_generation: int


class ClientPublic(SubjectPublic):
    rate_limit_per_second: float | None = None
    rate_limit_burst: int | None = None
    credentials: list[CredentialPublic] = Field(default_factory=list)


class ClientCreated(ClientPublic):
    client_secret: str = Field(description="shown once: only its hash is kept")


class UserPublic(SubjectPublic):
    username: str
