"""Dependency aliases: everything a route needs comes from the app's state, built in the lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.evidence.config import EvidenceSettings
from services.evidence.links.check import LinkChecker
from services.evidence.records.items import ItemCodes
from services.evidence.records.service import EvidenceService
from services.evidence.scan.base import Scanner
from services.evidence.storage.base import BlobStore
from shared.deps import PrincipalDep as PrincipalDep
from shared.deps import SessionDep as SessionDep
from shared.deps import from_state
from shared.scoring_client import ScoringClient


async def get_service(request: Request, session: SessionDep) -> EvidenceService:
    items: ItemCodes = request.app.state.item_codes
    scanner: Scanner = request.app.state.scanner
    return EvidenceService(session, request.app.state.store, items, scanner)


SettingsDep = Annotated[EvidenceSettings, Depends(from_state("settings"))]
CheckerDep = Annotated[LinkChecker, Depends(from_state("link_checker"))]
StoreDep = Annotated[BlobStore, Depends(from_state("store"))]
ScopesDep = Annotated[ScoringClient, Depends(from_state("scoring"))]
ServiceDep = Annotated[EvidenceService, Depends(get_service)]
