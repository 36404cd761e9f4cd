"""The blob-store protocol: every artifact of every job, by key."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from scribe.errors import ScribeError


def validate_key(key: str) -> str:
    """Refuse keys that are empty, absolute, or that climb out with ``..``."""
    if not key or key.startswith("/") or "\\" in key:
        raise ScribeError(f"invalid blob key {key!r}")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts[:-1]) or parts[-1] in (".", ".."):
        raise ScribeError(f"invalid blob key {key!r}")
    return key


@runtime_checkable
class BlobStore(Protocol):
    """Keys are ``/``-separated relative paths such as ``jobs/<id>/audio.wav``."""

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Write a whole object atomically."""
        ...

    def put_stream(
        self, key: str, chunks: Iterable[bytes], *, content_type: str | None = None
    ) -> int:
        """Write an object from chunks without holding it in memory; returns its size."""
        ...

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        """Write an object from a local file."""
        ...

    def get_bytes(self, key: str) -> bytes:
        """Read a whole object; raises :class:`scribe.errors.NotFoundError` when missing."""
        ...

    def open_read(self, key: str) -> BinaryIO:
        """A readable binary stream of the object."""
        ...

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` inclusive (an HTTP range)."""
        ...

    def presigned_url(self, key: str, *, expires: int = 3600) -> str | None:
        """A URL a browser can fetch the object from directly, or None if the store has none."""
        ...

    def local_copy(self, key: str) -> AbstractContextManager[Path]:
        """A local file holding the object for as long as the context lasts."""
        ...

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        ...

    def size(self, key: str) -> int:
        """The object's size in bytes."""
        ...

    def delete(self, key: str) -> None:
        """Delete one object (no error when missing)."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under ``prefix``; returns how many."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix``, sorted."""
        ...

    def check(self) -> None:
        """Raise when the store cannot be written (readiness probe)."""
        ...
