"""Managing API clients, their credentials, and local users. Any change of roles, scope or
status bumps the subject's token generation: tokens issued before stop working at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.admin.schemas import ClientCreate, CredentialCreate, ScopeUpdate, UserCreate, UserUpdate
from services.gateway.auth.models import ApiClient, Credential, Subject, User
from services.gateway.auth.passwords import hash_secret, new_client_secret, new_credential_id
from services.gateway.auth.repository import AuthRepository
from shared.errors import Conflict, NotFound, Unprocessable
from shared.i18n import msg
from shared.principal import PERSON_ROLES, Role

S = TypeVar("S", bound=Subject)


class ClientNotFound(NotFound):
    code = "client_not_found"
    message = msg("Không tìm thấy ứng dụng.", "API client not found.")


class UserNotFound(NotFound):
    code = "user_not_found"
    message = msg("Không tìm thấy người dùng.", "User not found.")


class CredentialNotFound(NotFound):
    code = "credential_not_found"
    message = msg("Không tìm thấy khoá.", "Credential not found.")


def refuse_person_roles(roles: list[Role] | None) -> None:
    """An API client is a machine: it never holds a role that stands for a person's own act
    (the head's approval, an officer's recognition, an assessor's judgement)."""
    held = sorted(r.value for r in roles or [] if r in PERSON_ROLES)
    if held:
        raise Unprocessable.at(
            "/roles",
            "person_role_for_client",
            f"Ứng dụng không được giữ vai trò của một người: {', '.join(held)}.",
            f"An API client cannot hold a person's role: {', '.join(held)}.",
        )


def _apply(s: S, body: ScopeUpdate) -> S:
    changes = body.model_dump(exclude_unset=True, exclude={"password"})
    for k, v in changes.items():
        setattr(s, k, [str(x) for x in v] if isinstance(v, list) else v)
    if changes.keys() - {"name"}:
        s.token_generation += 1
    s.updated_at = datetime.now(UTC)
    return s


class AdminService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = AuthRepository(session)

    async def new_credential(
        self, client_id: str, body: CredentialCreate, cred_id: str | None = None, secret: str | None = None
    ) -> tuple[Credential, str]:
        cid = cred_id or new_credential_id()
        secret = secret or new_client_secret(cid)
        hashed = await asyncio.to_thread(hash_secret, secret)
        cred = Credential(
            id=cid, client_id=client_id, label=body.label, secret_hash=hashed, expires_at=body.expires_at
        )
        self.repo.add(cred)
        await self.session.flush()
        return cred, secret

    async def create_client(self, body: ClientCreate) -> tuple[ApiClient, Credential, str]:
        refuse_person_roles(body.roles)
        if await self.repo.client(body.id) is not None:
            raise Conflict(msg("Mã ứng dụng đã tồn tại.", "This client id exists."), code="client_exists")
        c = ApiClient(
            id=body.id,
            name=body.name,
            roles=[str(r) for r in body.roles],
            org_units=body.org_units,
            schools=body.schools,
            all_orgs=body.all_orgs,
            rate_limit_per_second=body.rate_limit_per_second,
            rate_limit_burst=body.rate_limit_burst,
        )
        self.repo.add(c)
        await self.session.flush()
        cred, secret = await self.new_credential(c.id, CredentialCreate(label=body.credential_label))
        return c, cred, secret

    async def client(self, client_id: str) -> ApiClient:
        c = await self.repo.client(client_id)
        if c is None:
            raise ClientNotFound()
        return c

    async def update_client(self, client_id: str, body: ScopeUpdate) -> ApiClient:
        refuse_person_roles(body.roles)
        c = _apply(await self.client(client_id), body)
        await self.session.flush()
        return c

    async def revoke_credential(self, client_id: str, cred_id: str) -> Credential:
        cred = await self.repo.credential(cred_id)
        if cred is None or cred.client_id != client_id:
            raise CredentialNotFound()
        cred.revoked_at = cred.revoked_at or datetime.now(UTC)
        await self.session.flush()
        return cred

    async def create_user(self, body: UserCreate, user_id: str | None = None) -> User:
        if await self.repo.user_by_username(body.username) is not None:
            raise Conflict(msg("Tên đăng nhập đã tồn tại.", "This username exists."), code="user_exists")
        u = User(
            id=user_id or f"u-{new_credential_id()}",
            username=body.username,
            name=body.name,
            password_hash=await asyncio.to_thread(hash_secret, body.password),
            roles=[str(r) for r in body.roles],
            org_units=body.org_units,
            schools=body.schools,
            all_orgs=body.all_orgs,
        )
        self.repo.add(u)
        await self.session.flush()
        return u

    async def user(self, user_id: str) -> User:
        u = await self.repo.user(user_id)
        if u is None:
            raise UserNotFound()
        return u

    async def update_user(self, user_id: str, body: UserUpdate) -> User:
        u = _apply(await self.user(user_id), body)
        if body.password is not None:
            u.password_hash = await asyncio.to_thread(hash_secret, body.password)
            u.token_generation += 1
        await self.session.flush()
        return u

    async def revoke_tokens(self, subject: Subject) -> None:
        subject.token_generation += 1
        await self.session.flush()
