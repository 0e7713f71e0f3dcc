"""Dependency aliases: everything a route needs comes from the app's state, built in the lifespan.
Providers are `async def`: a sync provider costs a thread-pool hop on every request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.scoring.assessments.service import Checks
from services.scoring.config import ScoringSettings
from services.scoring.frameworks.registry import FrameworkRegistry
from services.scoring.frameworks.service import Previewer
from shared.deps import PrincipalDep as PrincipalDep
from shared.deps import SessionDep as SessionDep


async def get_settings(request: Request) -> ScoringSettings:
    s: ScoringSettings = request.app.state.settings
    return s


async def get_registry(request: Request) -> FrameworkRegistry:
    r: FrameworkRegistry = request.app.state.registry
    return r


async def get_previewer(request: Request) -> Previewer:
    p: Previewer = request.app.state.previewer
    return p


async def get_checks(request: Request) -> Checks:
    state = request.app.state
    return Checks(state.calendar, state.settings.school_years, state.evidence_refs)


async def get_factory(request: Request) -> async_sessionmaker[AsyncSession]:
    f: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    return f


SettingsDep = Annotated[ScoringSettings, Depends(get_settings)]
RegistryDep = Annotated[FrameworkRegistry, Depends(get_registry)]
PreviewerDep = Annotated[Previewer, Depends(get_previewer)]
ChecksDep = Annotated[Checks, Depends(get_checks)]
FactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_factory)]
