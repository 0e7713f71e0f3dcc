"""Dependency aliases: everything a route needs comes from the app's state, built in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.sync.config import SyncSettings
from shared.deps import PrincipalDep as PrincipalDep
from shared.deps import SessionDep as SessionDep
from shared.deps import from_state
from shared.scoring_client import ScoringClient

SettingsDep = Annotated[SyncSettings, Depends(from_state("settings"))]
ScoringDep = Annotated[ScoringClient, Depends(from_state("scoring"))]
