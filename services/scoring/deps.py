"""Dependency aliases: everything a route needs comes from the app's state, built in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.scoring.config import ScoringSettings
from services.scoring.frameworks.registry import FrameworkRegistry
from services.scoring.frameworks.service import Previewer


async def get_settings(request: Request) -> ScoringSettings:
    s: ScoringSettings = request.app.state.settings
    return s


async def get_registry(request: Request) -> FrameworkRegistry:
    r: FrameworkRegistry = request.app.state.registry
    return r


async def get_previewer(request: Request) -> Previewer:
    p: Previewer = request.app.state.previewer
    return p


SettingsDep = Annotated[ScoringSettings, Depends(get_settings)]
RegistryDep = Annotated[FrameworkRegistry, Depends(get_registry)]
PreviewerDep = Annotated[Previewer, Depends(get_previewer)]
