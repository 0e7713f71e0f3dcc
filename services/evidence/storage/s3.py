"""S3-compatible object storage through boto3 (blocking calls run in worker threads)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from services.evidence.storage.base import CHUNK, BlobInfo, shard


class S3Store:
    def __init__(
        self,
        bucket: str,
        staging_dir: Path,
        *,
        prefix: str = "blobs/",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        request_checksum_calculation: str = "when_required",
        response_checksum_validation: str = "when_required",
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.staging_dir = staging_dir
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                retries={"max_attempts": 3, "mode": "standard"},
                # bounded like every upstream call (a read timeout is per socket read, not per object)
                connect_timeout=10,
                read_timeout=60,
                # see EvidenceSettings: S3-compatible stores often reject boto3's default checksums
                request_checksum_calculation=request_checksum_calculation,
                response_checksum_validation=response_checksum_validation,
            ),
        )

    def key(self, sha256: str) -> str:
        return self.prefix + shard(sha256)

    def _commit(self, staged: Path, sha256: str) -> None:
        # an object appears whole or not at all; multipart transfer keeps memory bounded
        self.client.upload_file(str(staged), self.bucket, self.key(sha256))
        staged.unlink(missing_ok=True)

    async def commit(self, staged: Path, sha256: str) -> None:
        await asyncio.to_thread(self._commit, staged, sha256)

    async def size(self, sha256: str) -> int | None:
        try:
            head = await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return int(head["ContentLength"])

    async def read(self, sha256: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        rng = f"bytes={start}-{'' if end is None else end - 1}"
        obj = await asyncio.to_thread(
            self.client.get_object, Bucket=self.bucket, Key=self.key(sha256), Range=rng
        )
        body = obj["Body"]
        try:
            while True:
                data = await asyncio.to_thread(body.read, CHUNK)
                if not data:
                    return
                yield data
        finally:
            body.close()

    async def delete(self, sha256: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self.key(sha256))

    async def list(self) -> AsyncIterator[BlobInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        pages = await asyncio.to_thread(
            lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=self.prefix))
        )
        for page in pages:
            for obj in page.get("Contents", []):
                name = obj["Key"].rsplit("/", 1)[-1]
                if len(name) == 64:
                    yield BlobInfo(name, int(obj["Size"]), obj["LastModified"])
