"""Amazon S3 behind the blob-store protocol (boto3; moto or MinIO through ``endpoint_url``).

Large writes stream as multipart uploads in fixed parts (memory stays at one part), objects are
encrypted server-side (SSE-S3 or a KMS key), and reads can be ranged or handed to the browser
as presigned URLs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

from botocore.exceptions import ClientError

from scribe.errors import ConfigError, NotFoundError
from scribe.storage.base import validate_key

PART_SIZE = 8 * 1024 * 1024  # S3's minimum part is 5 MiB


class S3BlobStore:
    """Objects under ``key_prefix`` in one bucket."""

    def __init__(
        self,
        *,
        bucket: str,
        key_prefix: str = "",
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        sse: str = "AES256",
        kms_key_id: str | None = None,
        client: Any = None,
    ) -> None:
        import boto3

        if not bucket:
            raise ConfigError("SCRIBE_STORAGE__BUCKET must name a bucket for the s3 store")
        self.bucket = bucket
        self.prefix = key_prefix.strip("/") + "/" if key_prefix.strip("/") else ""
        self.client = client or boto3.client("s3", region_name=region, endpoint_url=endpoint_url)
        self._sse: dict[str, str] = {}
        if sse != "none":
            self._sse["ServerSideEncryption"] = sse
            if sse == "aws:kms" and kms_key_id:
                self._sse["SSEKMSKeyId"] = kms_key_id

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def _extra(self, content_type: str | None) -> dict[str, str]:
        extra = dict(self._sse)
        if content_type:
            extra["ContentType"] = content_type
        return extra

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """One PUT."""
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, **self._extra(content_type)
        )

    def put_stream(
        self, key: str, chunks: Iterable[bytes], *, content_type: str | None = None
    ) -> int:
        """Multipart upload in ``PART_SIZE`` parts; aborted (nothing left) on any error."""
        full = self._key(key)
        buffer = bytearray()
        size = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            for chunk in chunks:
                buffer += chunk
                size += len(chunk)
                while len(buffer) >= PART_SIZE:
                    if upload_id is None:
                        upload_id = self.client.create_multipart_upload(
                            Bucket=self.bucket, Key=full, **self._extra(content_type)
                        )["UploadId"]
                    part = bytes(buffer[:PART_SIZE])
                    del buffer[:PART_SIZE]
                    parts.append(self._upload_part(full, upload_id, len(parts) + 1, part))
            if upload_id is None:
                self.client.put_object(
                    Bucket=self.bucket, Key=full, Body=bytes(buffer), **self._extra(content_type)
                )
                return size
            if buffer:
                parts.append(self._upload_part(full, upload_id, len(parts) + 1, bytes(buffer)))
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=full, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            if upload_id is not None:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            raise
        return size

    def _upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> dict[str, Any]:
        response = self.client.upload_part(
            Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        return {"PartNumber": number, "ETag": response["ETag"]}

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        """Upload a local file (multipart when large)."""
        with open(path, "rb") as handle:
            self.put_stream(
                key, iter(lambda: handle.read(PART_SIZE), b""), content_type=content_type
            )

    def _get(self, key: str, **kwargs: Any) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key), **kwargs)
        except ClientError as exc:
            if _is_missing(exc):
                raise NotFoundError(f"no object {key!r}") from None
            raise

    def get_bytes(self, key: str) -> bytes:
        """Read a whole object."""
        return cast(bytes, self._get(key)["Body"].read())

    def open_read(self, key: str) -> BinaryIO:
        """The object's streaming body."""
        return cast(BinaryIO, self._get(key)["Body"])

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """A ranged GET."""
        return cast(bytes, self._get(key, Range=f"bytes={start}-{end}")["Body"].read())

    def presigned_url(self, key: str, *, expires: int = 3600) -> str | None:
        """A presigned GET URL."""
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._key(key)},
                ExpiresIn=expires,
            )
        )

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """Download to a temporary file for as long as the context lasts."""
        suffix = Path(key).suffix
        with tempfile.TemporaryDirectory(prefix="scribe-s3-") as tmp:
            target = Path(tmp) / f"object{suffix}"
            body = self._get(key)["Body"]
            with open(target, "wb") as handle:
                for chunk in iter(lambda: body.read(PART_SIZE), b""):
                    handle.write(chunk)
            yield target

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return cast(
                dict[str, Any], self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            )
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise

    def exists(self, key: str) -> bool:
        """A HEAD request."""
        return self._head(key) is not None

    def size(self, key: str) -> int:
        """The object's size."""
        head = self._head(key)
        if head is None:
            raise NotFoundError(f"no object {key!r}")
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        """Delete one object."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under a prefix, a thousand per request."""
        keys = [self.prefix + key for key in self.list(prefix)]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return len(keys)

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under a prefix, sorted (S3 lists in key order)."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for item in page.get("Contents", []):
                yield str(item["Key"])[len(self.prefix) :]

    def check(self) -> None:
        """The bucket answers."""
        self.client.head_bucket(Bucket=self.bucket)

    def create_bucket_if_missing(self, region: str) -> None:
        """Create the bucket (development only; production buckets come from Terraform)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError:
            pass
        config = {} if region == "us-east-1" else {"LocationConstraint": region}
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if config:
            kwargs["CreateBucketConfiguration"] = config
        self.client.create_bucket(**kwargs)


def _is_missing(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return code in ("NoSuchKey", "404", "NotFound")
