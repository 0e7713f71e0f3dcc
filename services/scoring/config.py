from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DOCUMENTS = Path(__file__).parent / "frameworks" / "documents"
MIGRATIONS = Path(__file__).parent / "migrations"


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="SCORING_")

    database_url: str = "sqlite+aiosqlite:///./data/scoring.db"
    frameworks_dir: Path = DOCUMENTS
    # embedded default: bring the schema to head at start-up; production runs a migration job
    migrate_on_start: bool = True
