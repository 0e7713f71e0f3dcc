"""Every query on users, clients and credentials."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.auth.models import ApiClient, Credential, User


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user(self, user_id: str) -> User | None:
        return await self.session.get(User, user_id)

    async def user_by_username(self, username: str) -> User | None:
        q = select(User).where(User.username == username)
        return (await self.session.execute(q)).scalar_one_or_none()

    async def users(self, after: str | None, limit: int) -> list[User]:
        q = select(User).order_by(User.id).limit(limit)
        if after:
            q = q.where(User.id > after)
        return list((await self.session.execute(q)).scalars())

    async def client(self, client_id: str) -> ApiClient | None:
        return await self.session.get(ApiClient, client_id)

    async def clients(self, after: str | None, limit: int) -> list[ApiClient]:
        q = select(ApiClient).order_by(ApiClient.id).limit(limit)
        if after:
            q = q.where(ApiClient.id > after)
        return list((await self.session.execute(q)).scalars())

    async def credential(self, credential_id: str) -> Credential | None:
        return await self.session.get(Credential, credential_id)

    async def credentials(self, client_id: str) -> list[Credential]:
        q = select(Credential).where(Credential.client_id == client_id).order_by(Credential.created_at)
        return list((await self.session.execute(q)).scalars())

    def add(self, obj: User | ApiClient | Credential) -> None:
        self.session.add(obj)
