"""`python -m services.evidence.storage.bootstrap`: create the evidence bucket with versioning on,
with the object store's administrator credentials (compose's one-shot `storage-init`). Evidence
itself runs with a user limited to that bucket; this is the only process holding the admin keys.

Environment: `S3_ENDPOINT_URL`, `S3_REGION` (default us-east-1), `S3_ADMIN_ACCESS_KEY`,
`S3_ADMIN_SECRET_KEY`, `EVIDENCE_BUCKET`. Idempotent; retries until the store answers (60 s)."""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

log = logging.getLogger("chiso.storage.bootstrap")
ENV = ("S3_ENDPOINT_URL", "S3_REGION", "S3_ADMIN_ACCESS_KEY", "S3_ADMIN_SECRET_KEY", "EVIDENCE_BUCKET")


def client() -> Any:
    return boto3.client(
        "s3",
        endpoint_url=os.environ["S3_ENDPOINT_URL"],
        region_name=os.environ.get("S3_REGION", "us-east-1"),
        aws_access_key_id=os.environ["S3_ADMIN_ACCESS_KEY"],
        aws_secret_access_key=os.environ["S3_ADMIN_SECRET_KEY"],
        config=Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            connect_timeout=10,
            read_timeout=60,
        ),
    )


def ensure_bucket(s3: Any, bucket: str) -> str:
    """The bucket exists and versions its objects; returns the versioning status."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)
        log.info("created bucket %s", bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    status: str = s3.get_bucket_versioning(Bucket=bucket).get("Status", "")
    return status


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    bucket, deadline = os.environ.get("EVIDENCE_BUCKET", "chiso-evidence"), time.monotonic() + 60
    while True:
        try:
            status = ensure_bucket(client(), bucket)
            break
        except (BotoCoreError, ClientError) as e:
            if time.monotonic() > deadline:
                log.error("object store not ready: %s", e)
                return 1
            time.sleep(2)
    if status != "Enabled":
        log.error("bucket %s: versioning is %r, not Enabled", bucket, status)
        return 1
    log.info("bucket %s ready, versioning %s", bucket, status)
    return 0


if __name__ == "__main__":
    sys.exit(main())
