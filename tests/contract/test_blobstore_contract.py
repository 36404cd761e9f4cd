"""The blob-store protocol, run against every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from scribe.errors import NotFoundError, ScribeError
from scribe.storage.base import BlobStore


def test_put_and_get_bytes(store: BlobStore) -> None:
    store.put_bytes("jobs/a/x.json", b'{"a": 1}', content_type="application/json")
    assert store.get_bytes("jobs/a/x.json") == b'{"a": 1}'
    assert store.exists("jobs/a/x.json")
    assert store.size("jobs/a/x.json") == 8


def test_put_stream_writes_every_chunk(store: BlobStore) -> None:
    # 20 MB in uneven chunks: more than two multipart parts on S3.
    chunks = [bytes([n % 251]) * 1_000_003 for n in range(20)]
    assert store.put_stream("jobs/b/big.bin", iter(chunks)) == 20_000_060
    assert store.get_bytes("jobs/b/big.bin") == b"".join(chunks)


def test_ranged_reads(store: BlobStore) -> None:
    store.put_bytes("jobs/r/audio.wav", bytes(range(256)) * 10)
    assert store.read_range("jobs/r/audio.wav", 10, 19) == bytes(range(10, 20))
    assert store.read_range("jobs/r/audio.wav", 2550, 2559) == bytes(range(246, 256))


def test_presigned_url_serves_the_object_or_is_absent(store: BlobStore) -> None:
    import httpx

    store.put_bytes("jobs/p/t.txt", b"hello", content_type="text/plain")
    url = store.presigned_url("jobs/p/t.txt", expires=60)
    if url is not None:
        response = httpx.get(url)
        assert response.status_code == 200
        assert response.content == b"hello"


def test_failed_stream_leaves_nothing_behind(store: BlobStore) -> None:
    def broken() -> object:
        yield b"partial"
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        store.put_stream("jobs/c/broken.bin", broken())  # type: ignore[arg-type]
    assert not store.exists("jobs/c/broken.bin")
    assert list(store.list("jobs/c/")) == []


def test_overwrite_replaces_the_object(store: BlobStore) -> None:
    store.put_bytes("jobs/d/t.txt", b"first")
    store.put_bytes("jobs/d/t.txt", b"second")
    assert store.get_bytes("jobs/d/t.txt") == b"second"


def test_put_file_open_read_and_local_copy(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(b"abc" * 1000)
    store.put_file("jobs/e/in.bin", source)
    with store.open_read("jobs/e/in.bin") as handle:
        assert handle.read() == b"abc" * 1000
    with store.local_copy("jobs/e/in.bin") as path:
        assert path.read_bytes() == b"abc" * 1000


def test_missing_objects_raise_not_found(store: BlobStore) -> None:
    with pytest.raises(NotFoundError):
        store.get_bytes("jobs/none/x")
    with pytest.raises(NotFoundError), store.local_copy("jobs/none/x"):
        pass
    assert not store.exists("jobs/none/x")
    store.delete("jobs/none/x")  # no error


def test_list_and_delete_prefix(store: BlobStore) -> None:
    for name in ("a.txt", "b.txt", "sub/c.txt"):
        store.put_bytes(f"jobs/f/{name}", b"x")
    store.put_bytes("jobs/g/other.txt", b"y")
    assert list(store.list("jobs/f/")) == ["jobs/f/a.txt", "jobs/f/b.txt", "jobs/f/sub/c.txt"]
    assert store.delete_prefix("jobs/f/") == 3
    assert list(store.list("jobs/f/")) == []
    assert list(store.list("jobs/g/")) == ["jobs/g/other.txt"]


@pytest.mark.parametrize("key", ["../escape", "jobs/../../etc/passwd", "/abs", "jobs//x/../y"])
def test_keys_that_leave_the_store_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(ScribeError):
        store.put_bytes(key, b"x")


def test_check_passes_on_a_writable_store(store: BlobStore) -> None:
    store.check()
