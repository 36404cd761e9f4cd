"""Folder → S3 → folder with checksums, resumable, and a dry run."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from scribe.storage.local import LocalBlobStore
from scribe.transfer.blobs import migrate_blobs, open_spec


def _tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_folder_to_s3_and_back(tmp_path: Path, moto_endpoint: str) -> None:
    source = LocalBlobStore(tmp_path / "from")
    for n in range(30):
        source.put_bytes(f"jobs/{n:03d}/transcript.json", os.urandom(1000 + n))
    source.put_bytes("jobs/big/audio.wav", os.urandom(9 * 1024 * 1024))
    bucket = open_spec("s3://migrate-test/scribe", endpoint_url=moto_endpoint)
    bucket.create_bucket_if_missing("us-east-1")  # type: ignore[attr-defined]

    dry = migrate_blobs(source, bucket, dry_run=True)
    assert len(dry.copied) == 31 and list(bucket.list()) == []

    first = migrate_blobs(source, bucket)
    assert first.ok and len(first.copied) == 31 and first.skipped == []
    again = migrate_blobs(source, bucket)
    assert again.copied == [] and len(again.skipped) == 31

    back = LocalBlobStore(tmp_path / "back")
    returned = migrate_blobs(bucket, back)
    assert returned.ok and len(returned.copied) == 31
    assert _tree(tmp_path / "from") == _tree(tmp_path / "back")


def test_interrupted_copy_resumes_where_it_stopped(tmp_path: Path) -> None:
    source = LocalBlobStore(tmp_path / "a")
    for n in range(10):
        source.put_bytes(f"jobs/{n}/x.bin", os.urandom(100))
    target = LocalBlobStore(tmp_path / "b")
    for n in range(4):  # as if a first run copied four objects, then died
        target.put_bytes(f"jobs/{n}/x.bin", source.get_bytes(f"jobs/{n}/x.bin"))
    target.put_bytes("jobs/5/x.bin", b"half-written")
    report = migrate_blobs(source, target)
    assert len(report.skipped) == 4 and len(report.copied) == 6
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
