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
    raise ConfigError(
        f"storage backend {settings.storage.backend!r} is not available in this build"
    )


__all__ = ["BlobStore", "open_store"]
