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
from shared.scoring_client import ScoringClient


async def get_settings(request: Request) -> EvidenceSettings:
    s: EvidenceSettings = request.app.state.settings
    return s


async def get_store(request: Request) -> BlobStore:
    s: BlobStore = request.app.state.store
    return s


async def get_scopes(request: Request) -> ScoringClient:
    s: ScoringClient = request.app.state.scoring
    return s


async def get_checker(request: Request) -> LinkChecker:
    c: LinkChecker = request.app.state.link_checker
    return c


async def get_service(request: Request, session: SessionDep) -> EvidenceService:
    items: ItemCodes = request.app.state.item_codes
    scanner: Scanner = request.app.state.scanner
    return EvidenceService(session, request.app.state.store, items, scanner)


SettingsDep = Annotated[EvidenceSettings, Depends(get_settings)]
CheckerDep = Annotated[LinkChecker, Depends(get_checker)]
StoreDep = Annotated[BlobStore, Depends(get_store)]
ScopesDep = Annotated[ScoringClient, Depends(get_scopes)]
ServiceDep = Annotated[EvidenceService, Depends(get_service)]
