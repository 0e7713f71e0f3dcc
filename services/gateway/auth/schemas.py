from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.principal import PrincipalKind, Role

# what each role may do, as token_info tells integrators (the services enforce it)
ROLE_ACTIONS: dict[Role, list[str]] = {
    Role.SCHOOL_STAFF: ["read own school", "write self-assessment drafts", "submit", "upload evidence"],
    Role.SCHOOL_HEAD: ["read own school", "write drafts", "submit", "approve", "return", "request external"],
    Role.VENDOR_CLIENT: ["read listed schools", "write self-assessment drafts", "submit", "upload evidence"],
    Role.OFFICER: ["read schools of its units", "accept", "return", "assess externally", "recognise"],
    Role.ASSESSOR: ["read schools of its units", "write external assessments", "conclude"],
    Role.MINISTRY_VIEWER: ["read everything"],
    Role.ADMIN: ["manage users, clients, credentials and the org registry"],
    Role.SERVICE: ["internal service calls"],
}


class TokenResponse(BaseModel):
    """RFC 6749 §5.1."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl",
                    "token_type": "Bearer",
                    "expires_in": 900,
                    "scope": "assessments:read assessments:write evidence:read evidence:write org:read",
                }
            ]
        }
    )

    access_token: str
    token_type: str = "Bearer"  # noqa: S105
    expires_in: int = Field(description="seconds until the token expires")
    scope: str = Field(
        description="space-separated: a client's token, the scopes granted (docs/gateway.md, Scopes); "
        "a person's token (login), the person's roles"
    )


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=128, examples=["head.79701001"])
    password: str = Field(min_length=1, max_length=256)


class RoleInfo(BaseModel):
    role: Role
    may: list[str]


class TokenInfo(BaseModel):
    """What the presented token may do and for which schools: the first stop when a call is
    refused. Object-level checks happen in the services, against exactly this scope."""

    active: bool = True
    sub: str
    kind: PrincipalKind = Field(description="who holds the token: a person, a vendor's client, a service")
    name: str | None
    issuer: str
    roles: list[RoleInfo]
    org_units: list[str] = Field(description="units whose whole subtree of schools is in scope")
    schools: list[str] = Field(description="schools named explicitly (a vendor's list, one's own school)")
    all_orgs: bool
    expires_at: datetime
    credential_id: str | None
    links: dict[str, str]
