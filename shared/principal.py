"""The authenticated caller, as the gateway passes it to the services.

The gateway authenticates (OAuth2 client credentials, login, OIDC) and sends the principal in the
`X-Chiso-Principal` header: base64url(JSON) "." base64url(HMAC-SHA256(secret, payload)). Every
service verifies the signature and the expiry and refuses calls without a valid header (except
health and the public score preview).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from enum import StrEnum

from pydantic import BaseModel, Field, ValidationError

from shared.requestid import current_request_id

HEADER = "X-Chiso-Principal"
DEFAULT_TTL_SECONDS = 300


class Role(StrEnum):
    SCHOOL_STAFF = "school_staff"  # cán bộ nhà trường: prepares the self-assessment
    SCHOOL_HEAD = "school_head"  # thủ trưởng: approves (phê duyệt)
    VENDOR_CLIENT = "vendor_client"  # school-management vendor's API client; never approves
    OFFICER = "officer"  # Phòng/Sở officer: reviews, recognises (công nhận)
    ASSESSOR = "assessor"  # external-assessment team member (đánh giá ngoài)
    MINISTRY_VIEWER = "ministry_viewer"
    ADMIN = "admin"
    SERVICE = "service"  # another service of ours (sync reading the change feed, ...)


class PrincipalKind(StrEnum):
    USER = "user"
    CLIENT = "client"
    SERVICE = "service"


# Roles that stand for a person's own act and responsibility (QĐ 4725 §6.1: the head approves and
# answers for it; an officer recognises by decision): a machine client never holds them.
PERSON_ROLES = frozenset({Role.SCHOOL_HEAD, Role.OFFICER, Role.ASSESSOR})


class Principal(BaseModel):
    """Who is calling and what they may see: roles plus an org scope.

    `org_units` are ids of org units whose whole subtree is in scope; `schools` are explicit school
    codes (a vendor's list). `all_orgs` is for admins, ministry viewers and internal services.
    """

    sub: str = Field(description="user id, client id or service name")
    kind: PrincipalKind = PrincipalKind.USER
    name: str | None = None
    roles: frozenset[Role] = frozenset()
    org_units: frozenset[str] = frozenset()
    schools: frozenset[str] = frozenset()
    all_orgs: bool = False
    exp: int = 0

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def acting_roles(self) -> frozenset[Role]:
        """The roles this caller may act with: a person's roles are a user's alone, whatever a
        client's token or registration says."""
        return self.roles if self.kind is PrincipalKind.USER else self.roles - PERSON_ROLES


class InvalidPrincipal(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def sign_principal(
    p: Principal, secret: str, ttl: int = DEFAULT_TTL_SECONDS, now: float | None = None
) -> str:
    exp = int((now if now is not None else time.time()) + ttl)
    body = p.model_copy(update={"exp": exp}).model_dump_json().encode()
    payload = _b64(body)
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def caller_headers(p: Principal, secret: str) -> dict[str, str]:
    """What a call made on a caller's behalf carries to another service: the caller's signed
    principal and the request id it came with (so both services log the same id)."""
    h = {HEADER: sign_principal(p, secret)}
    rid = current_request_id()
    if rid:
        h["x-request-id"] = rid
    return h


def verify_principal(header: str, secret: str, now: float | None = None) -> Principal:
    try:
        payload, sig = header.split(".", 1)
        expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(sig)):
            raise InvalidPrincipal("bad signature")
        p = Principal.model_validate(json.loads(_unb64(payload)))
    except (ValueError, ValidationError, json.JSONDecodeError) as e:
        raise InvalidPrincipal("malformed principal") from e
    if p.exp < (now if now is not None else time.time()):
        raise InvalidPrincipal("expired principal")
    return p


def may_access_school(p: Principal, school_code: str, ancestors: list[str] | tuple[str, ...]) -> bool:
    """Object-level scope: a school is visible to its own staff (explicit school list), to a vendor
    whose list names it, and to every org unit above it. Roles are checked separately."""
    if p.all_orgs:
        return True
    if school_code in p.schools:
        return True
    return any(a in p.org_units for a in ancestors)
