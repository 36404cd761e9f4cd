"""Copy every object from one blob store to another (folder ⇄ S3, or folder → EFS mount).

Objects already in the target with the same SHA-256 are skipped, so an interrupted copy is
resumed by running it again; every copied object is read back and its checksum compared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from scribe.errors import ScribeError
from scribe.storage.base import BlobStore
from scribe.storage.local import LocalBlobStore

_CHUNK = 1024 * 1024

Progress = Callable[[str, int, int], None]


@dataclass
class BlobReport:
    """What was copied, skipped and verified."""

    dry_run: bool
    total: int = 0
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bytes_copied: int = 0

    @property
    def ok(self) -> bool:
        """Nothing failed."""
        return not self.failed


def open_spec(
    spec: str, *, endpoint_url: str | None = None, region: str = "us-east-1"
) -> BlobStore:
    """``s3://bucket/prefix`` or a folder path."""
    if spec.startswith("s3://"):
        from scribe.storage.s3 import S3BlobStore

        bucket, _, prefix = spec[5:].partition("/")
        if not bucket:
            raise ScribeError(f"no bucket in {spec!r}")
        return S3BlobStore(
            bucket=bucket, key_prefix=prefix, endpoint_url=endpoint_url, region=region
        )
    if "://" in spec:
        raise ScribeError(f"unsupported store {spec!r}: use s3://bucket/prefix or a folder")
    return LocalBlobStore(Path(spec))


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(_CHUNK):
        yield chunk


def sha256_of(store: BlobStore, key: str) -> str:
    """The object's SHA-256, streamed."""
    digest = hashlib.sha256()
    with store.open_read(key) as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def migrate_blobs(
    source: BlobStore,
    target: BlobStore,
    *,
    prefix: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> BlobReport:
    """Copy every object under ``prefix``; skip identical ones; verify each copy."""
    keys = list(source.list(prefix))
    report = BlobReport(dry_run=dry_run, total=len(keys))
    for index, key in enumerate(keys, start=1):
        source_sum = sha256_of(source, key)
        if target.exists(key) and sha256_of(target, key) == source_sum:
            report.skipped.append(key)
        elif dry_run:
            report.copied.append(key)
        else:
            with source.open_read(key) as handle:
                size = target.put_stream(key, _chunks(handle))
            if sha256_of(target, key) == source_sum:
                report.copied.append(key)
                report.bytes_copied += size
            else:
                report.failed.append(key)
        if progress:
            progress(key, index, len(keys))
    return report
