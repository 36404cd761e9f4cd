"""A blob store in a local folder (or an EFS mount, which behaves the same)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from scribe.errors import NotFoundError
from scribe.storage.base import validate_key


class LocalBlobStore:
    """Objects are files under ``root``; writes go to a temporary file renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        """The file of a key; refuses keys that would leave the root."""
        validate_key(key)
        return self.root.joinpath(*[p for p in key.split("/") if p])

    def _temp_for(self, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        return target.parent / f".{target.name}.{uuid.uuid4().hex}.part"

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Write a whole object atomically."""
        self.put_stream(key, [data], content_type=content_type)

    def put_stream(
        self, key: str, chunks: Iterable[bytes], *, content_type: str | None = None
    ) -> int:
        """Stream chunks to a temporary file, then rename it into place."""
        target = self.path_of(key)
        temp = self._temp_for(target)
        size = 0
        try:
            with open(temp, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    size += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return size

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        """Copy a local file in."""
        target = self.path_of(key)
        temp = self._temp_for(target)
        try:
            shutil.copyfile(path, temp)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def get_bytes(self, key: str) -> bytes:
        """Read a whole object."""
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"no object {key!r}") from None

    def open_read(self, key: str) -> BinaryIO:
        """Open the object's file for reading."""
        try:
            return open(self.path_of(key), "rb")
        except FileNotFoundError:
            raise NotFoundError(f"no object {key!r}") from None

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start``..``end`` inclusive."""
        with self.open_read(key) as handle:
            handle.seek(start)
            return handle.read(max(0, end - start + 1))

    def presigned_url(self, key: str, *, expires: int = 3600) -> str | None:
        """A folder has no URLs of its own: the api serves the bytes."""
        return None

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """The object's own file: no copy is needed on a local store."""
        path = self.path_of(key)
        if not path.is_file():
            raise NotFoundError(f"no object {key!r}")
        yield path

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        return self.path_of(key).is_file()

    def size(self, key: str) -> int:
        """The object's size."""
        try:
            return self.path_of(key).stat().st_size
        except FileNotFoundError:
            raise NotFoundError(f"no object {key!r}") from None

    def delete(self, key: str) -> None:
        """Delete one object."""
        self.path_of(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under a prefix, then the emptied folders."""
        keys = list(self.list(prefix))
        for key in keys:
            self.delete(key)
        folder = self.path_of(prefix.rstrip("/")) if prefix.strip("/") else None
        if folder is not None and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        return len(keys)

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under a prefix, sorted, without temporary files."""
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.path_of(folder) if folder else self.root
        found: list[str] = []
        for dirpath, _dirs, files in os.walk(start):
            for name in files:
                if name.startswith(".") and name.endswith(".part"):
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    found.append(key)
        yield from sorted(found)

    def check(self) -> None:
        """Write and remove a probe file."""
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-", suffix=".part"):
            pass
