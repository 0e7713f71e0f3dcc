"""Dependency aliases: everything a route needs comes from the app's state, built in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.sync.config import SyncSettings
from shared.deps import PrincipalDep as PrincipalDep
from shared.deps import SessionDep as SessionDep
from shared.scoring_client import ScoringClient


async def get_settings(request: Request) -> SyncSettings:
    s: SyncSettings = request.app.state.settings
    return s


async def get_scoring(request: Request) -> ScoringClient:
    c: ScoringClient = request.app.state.scoring
    return c


SettingsDep = Annotated[SyncSettings, Depends(get_settings)]
ScoringDep = Annotated[ScoringClient, Depends(get_scoring)]
