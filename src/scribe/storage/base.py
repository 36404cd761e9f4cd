"""The blob-store protocol: every artifact of every job, by key."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable


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
