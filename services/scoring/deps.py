"""Dependency aliases: everything a route needs comes from the app's state, built in the lifespan.
Providers are `async def`: a sync provider costs a thread-pool hop on every request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.scoring.assessments.service import Checks
from services.scoring.config import ScoringSettings
from services.scoring.frameworks.registry import FrameworkRegistry
from services.scoring.frameworks.service import Previewer
from shared.deps import PrincipalDep as PrincipalDep
from shared.deps import SessionDep as SessionDep
from shared.deps import from_state


async def get_checks(request: Request) -> Checks:
    state = request.app.state
    return Checks(state.calendar, state.settings.school_years, state.evidence_refs)


SettingsDep = Annotated[ScoringSettings, Depends(from_state("settings"))]
RegistryDep = Annotated[FrameworkRegistry, Depends(from_state("registry"))]
PreviewerDep = Annotated[Previewer, Depends(from_state("previewer"))]
ChecksDep = Annotated[Checks, Depends(get_checks)]
