from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.framework.in_force import DOCUMENTS as SHARED_DOCUMENTS
from shared.settings import ServiceSettings

DOCUMENTS = SHARED_DOCUMENTS  # one set of framework documents for every service
MIGRATIONS = Path(__file__).parent / "migrations"


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="SCORING_")

    database_url: str = "sqlite+aiosqlite:///./data/scoring.db"
    frameworks_dir: Path = DOCUMENTS

    # the sync service, which owns the deadline calendar: the edit lock is read from it where
    # assessments are written (unreachable: writes answer 503). None only where scoring runs
    # without sync (its own tests); the embedded run connects it in-process.
    sync_url: str | None = "http://127.0.0.1:8003"
    calendar_cache_seconds: float = 60.0
    # the evidence service: evidence references are checked there at write time (unreachable:
    # writes citing evidence answer 503). None only where scoring runs without it (its own tests)
    evidence_url: str | None = "http://127.0.0.1:8002"
    # school years open for new assessments: `current`, `next`, `previous` (from today in Vietnam;
    # a school year turns on 1 August) or explicit years such as `2024-2025`
    school_years: list[str] = Field(default_factory=lambda: ["current", "next"])
