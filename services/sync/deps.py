"""Dependency aliases: everything a route needs comes from the app's state, built in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.config import SyncSettings
from services.sync.scoring_client import ScoringClient
from shared.auth import principal_dependency
from shared.principal import Principal


async def get_settings(request: Request) -> SyncSettings:
    s: SyncSettings = request.app.state.settings
    return s


async def get_scoring(request: Request) -> ScoringClient:
    c: ScoringClient = request.app.state.scoring
    return c


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session owns the transaction: commit on success, roll back on error."""
    async with request.app.state.session_factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def _secret(request: Request) -> str:
    return str(request.app.state.settings.internal_secret.get_secret_value())


SettingsDep = Annotated[SyncSettings, Depends(get_settings)]
ScoringDep = Annotated[ScoringClient, Depends(get_scoring)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
PrincipalDep = Annotated[Principal, Depends(principal_dependency(_secret))]
