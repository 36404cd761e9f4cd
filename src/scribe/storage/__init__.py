"""Blob stores: a protocol and its backends."""

from __future__ import annotations

from scribe.config import Settings
from scribe.errors import ConfigError
from scribe.storage.base import BlobStore


def open_store(settings: Settings) -> BlobStore:
    """The blob store the settings choose."""
    if settings.storage.backend == "local":
        from scribe.storage.local import LocalBlobStore

        assert settings.storage.root is not None
        return LocalBlobStore(settings.storage.root)
    if settings.storage.backend == "s3":
        from scribe.storage.s3 import S3BlobStore

        store = S3BlobStore(
            bucket=settings.storage.bucket,
            key_prefix=settings.storage.key_prefix,
            region=settings.storage.region,
            endpoint_url=settings.storage.endpoint_url,
            sse=settings.storage.sse,
            kms_key_id=settings.storage.kms_key_id,
        )
        if settings.storage.create_bucket:
            store.create_bucket_if_missing(settings.storage.region)
        return store
    raise ConfigError(f"unknown storage backend {settings.storage.backend!r}")


__all__ = ["BlobStore", "open_store"]
