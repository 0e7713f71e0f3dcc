"""Blob storage backends, chosen by settings."""

from __future__ import annotations

from services.evidence.config import EvidenceSettings
from services.evidence.storage.base import BlobStore
from services.evidence.storage.local import LocalStore


def build_store(settings: EvidenceSettings) -> BlobStore:
    if settings.storage == "s3":
        from services.evidence.storage.s3 import S3Store

        secret = settings.s3_secret_access_key
        return S3Store(
            settings.s3_bucket,
            settings.storage_dir / "tmp",
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            request_checksum_calculation=settings.s3_request_checksum_calculation,
            response_checksum_validation=settings.s3_response_checksum_validation,
        )
    return LocalStore(settings.storage_dir)
