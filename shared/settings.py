"""Settings base: each service subclasses it with its own env prefix (SCORING_, EVIDENCE_, ...)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_INTERNAL_SECRET = "dev-only-internal-secret-change-me"  # noqa: S105  refused in production


class ServiceSettings(BaseSettings):
    """What every service needs; placeholder secrets are refused outside development and test."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="CHISO_")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./data/service.db"
    # HMAC key for the principal header the gateway signs and every service verifies
    internal_secret: SecretStr = SecretStr(DEV_INTERNAL_SECRET)
    log_json: bool = False
    # PostgreSQL connections per process: pool + overflow (docs/operations.md, connection budget)
    db_pool_size: int = Field(10, ge=1, le=100)
    db_max_overflow: int = Field(10, ge=0, le=100)
    db_pool_timeout_seconds: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if (
            self.environment == "production"
            and self.internal_secret.get_secret_value() == DEV_INTERNAL_SECRET
        ):
            raise ValueError("internal_secret must be set to a real secret in production")
        return self
