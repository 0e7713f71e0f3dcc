from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.framework.in_force import DOCUMENTS
from shared.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"
MIB = 1024 * 1024


class EvidenceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="EVIDENCE_")

    database_url: str = "sqlite+aiosqlite:///./data/evidence.db"

    # the framework documents (shared with scoring): which item codes exist for a school year and
    # province, overlays included
    frameworks_dir: Path = DOCUMENTS

    max_upload_bytes: int = 50 * MIB
    storage: Literal["local", "s3"] = "local"
    storage_dir: Path = Path("./data/blobs")
    s3_bucket: str = "chiso-evidence"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = "blobs/"
    # boto3 >= 1.36 adds CRC checksums to every upload and validates them on download; many
    # S3-compatible stores (older MinIO, Ceph RGW, some cloud object stores) reject or mangle them.
    # "when_required" sends/validates them only where the S3 API demands it; "when_supported" is
    # boto3's default (AWS S3 itself, or a store known to handle them).
    s3_request_checksum_calculation: Literal["when_required", "when_supported"] = "when_required"
    s3_response_checksum_validation: Literal["when_required", "when_supported"] = "when_required"

    # where the scoring service answers (scope look-ups, the change feed, frameworks)
    scoring_url: str = "http://127.0.0.1:8001"
    scope_cache_seconds: float = 30.0
    consume_feed: bool = False
    feed_poll_seconds: float = 2.0

    # malware scanning: "none" (embedded default) or a clamd socket
    scanner: Literal["none", "clamd"] = "none"
    clamd_socket: str | None = None
    clamd_host: str | None = None
    clamd_port: int = 3310

    # link checks
    link_check_timeout_seconds: float = 5.0
    link_check_max_bytes: int = 1 * MIB
    link_check_max_redirects: int = 3
