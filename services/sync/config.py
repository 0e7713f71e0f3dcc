from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

HEARTBEAT_FILE = Path(tempfile.gettempdir()) / "chiso-sync-worker.heartbeat"  # /tmp: emptyDir/tmpfs

MIGRATIONS = Path(__file__).parent / "migrations"
DEV_CSDL_SECRET = "dev-only-csdl-secret"  # noqa: S105  the fake's default; refused in production


class SyncSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="SYNC_")

    database_url: str = "sqlite+aiosqlite:///./data/sync.db"
    scoring_url: str = "http://127.0.0.1:8001"
    csdl_url: str = "http://127.0.0.1:8090"
    csdl_client_id: str = "chiso-sync"
    csdl_client_secret: SecretStr = SecretStr(DEV_CSDL_SECRET)
    csdl_timeout_seconds: float = 10.0
    csdl_max_connections: int = 20
    # the lifespan runs the feed consumer and the delivery workers (embedded default); a
    # production API replica sets this false and runs `python -m services.sync.worker` instead
    run_workers: bool = True
    workers: int = 2
    claim_batch: int = 8  # sends a worker keeps in flight (claimed in chunks, recorded as they finish)
    feed_poll_seconds: float = 1.0
    feed_batch: int = 200
    idle_poll_seconds: float = 0.5
    # a claimed job not finished within the lease is claimable again (a worker died mid-delivery)
    lease_seconds: float = 60.0
    # retry budget: attempts per job before it is dead-lettered, and the backoff bounds
    max_attempts: int = 10
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    webhook_max_attempts: int = 5
    webhook_timeout_seconds: float = 5.0
    # Webhook receivers must be on the public Internet (no private, loopback or link-local
    # address, checked after DNS resolution at every send). True only where receivers sit on a
    # private network that is meant to be reachable, e.g. a vendor's VPN.
    webhook_allow_private_addresses: bool = False
    reconcile_interval_seconds: float = 3600.0
    # the worker process's liveness file (services.sync.worker.heartbeat) and how often it is rewritten
    heartbeat_file: Path = HEARTBEAT_FILE
    heartbeat_seconds: float = 10.0
    # scheduled at-risk announcements: schools whose deadline is at most this many days away
    at_risk_within_days: int = 14
    # e-mail reminders (scheduled job `reminders`): unset host, no e-mail is sent
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "no-reply@chiso.invalid"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    # days before a deadline on which reminders go out; per province as JSON, e.g. {"79": [10, 3]}
    reminder_days: list[int] = Field(default_factory=lambda: [7, 3, 1])
    reminder_days_by_province: dict[str, list[int]] = Field(default_factory=dict)

    def reminder_days_for(self, province: str | None) -> list[int]:
        return self.reminder_days_by_province.get(province or "", self.reminder_days)

    # the gateway's internal endpoint for a webhook subscriber's current grant (scope re-checked
    # at every send); unset: the grant captured at subscription is used
    gateway_url: str | None = None

    @model_validator(mode="after")
    def _refuse_placeholder_csdl_secret(self) -> SyncSettings:
        if self.environment == "production" and self.csdl_client_secret.get_secret_value() == DEV_CSDL_SECRET:
            raise ValueError("csdl_client_secret must be set to a real secret in production")
        return self
