"""Settings base: each service subclasses it with its own env prefix (SCORING_, EVIDENCE_, ...)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that were once defaults in this repository (so anyone can read them): refused in every
# mode. The embedded run (`make run`) generates real secrets on its first start instead.
PLACEHOLDER_SECRETS = frozenset(
    {
        "dev-only-internal-secret-change-me",
        "dev-only-gateway-jwt-secret-change-me-32b",
        "dev-only-web-session-secret-change-me-0123456789",
        "change-me",
        "changeme",
        "secret",
    }
)
MIN_SECRET_LENGTH = 16


def check_secret(name: str, value: SecretStr) -> None:
    """Refuse an unset, placeholder or short secret, naming the setting but never its value."""
    raw = value.get_secret_value()
    if not raw:
        raise ValueError(f"{name} must be set (every service refuses to start without it)")
    if raw in PLACEHOLDER_SECRETS:
        raise ValueError(f"{name} is a placeholder published in the repository; set a real secret")
    if len(raw) < MIN_SECRET_LENGTH:
        raise ValueError(f"{name} must be at least {MIN_SECRET_LENGTH} characters long")


class ServiceSettings(BaseSettings):
    """What every service needs; an unset or placeholder secret is refused in every mode."""

    # hide_input_in_errors: a refused setting never puts the secrets it was given into a log
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", env_prefix="CHISO_", hide_input_in_errors=True
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./data/service.db"
    # embedded default: bring the schema to head at start-up; production runs a migration job
    migrate_on_start: bool = True
    # HMAC key for the principal header the gateway signs and every service verifies
    internal_secret: SecretStr = SecretStr("")
    log_json: bool = False
    # PostgreSQL connections per process: pool + overflow (docs/operations.md, connection budget)
    db_pool_size: int = Field(10, ge=1, le=100)
    db_max_overflow: int = Field(10, ge=0, le=100)
    db_pool_timeout_seconds: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        check_secret("internal_secret", self.internal_secret)
        return self
