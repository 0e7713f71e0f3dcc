from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

DOCUMENTS = Path(__file__).parent / "frameworks" / "documents"


class ScoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="SCORING_")

    database_url: str = "sqlite+aiosqlite:///./data/scoring.db"
    frameworks_dir: Path = DOCUMENTS
