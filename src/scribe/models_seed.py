"""Seed the shared model cache once: a pinned revision, a checked model.bin, no runtime download.

In ECS the transcription tasks mount the EFS ``/models`` access point read-only with
``SCRIBE_WHISPER__ALLOW_DOWNLOAD=false``; a one-off task runs ``scribe models seed`` with the
model's Hugging Face repository, its commit and the SHA-256 of its ``model.bin``. The files go
into a temporary folder beside the target, are checked, and only then renamed into place, so
a half-written or tampered model is never seen by a worker. A ``seed.json`` beside the model
records what was seeded; seeding the same revision again is a no-op.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from scribe.errors import ModelError

SEED_RECORD = "seed.json"


@dataclass(frozen=True)
class SeedRecord:
    """What a seeded model folder holds."""

    name: str
    repo: str
    revision: str
    sha256: str


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def seeded(cache_dir: Path, name: str) -> SeedRecord | None:
    """The record of a seeded model, or None when the folder was not seeded by this module."""
    record = cache_dir / name / SEED_RECORD
    if not record.is_file():
        return None
    return SeedRecord(**json.loads(record.read_text()))


def _download(repo: str, revision: str, target: Path) -> None:
    from faster_whisper.utils import download_model

    try:
        download_model(repo, output_dir=str(target), revision=revision)
    except Exception as exc:  # huggingface_hub raises many kinds; all mean "not fetched"
        raise ModelError(f"cannot download {repo}@{revision}: {exc}") from exc


def seed_model(
    cache_dir: Path,
    *,
    name: str,
    repo: str,
    revision: str,
    sha256: str,
    source: Path | None = None,
) -> SeedRecord:
    """Put model ``name`` into ``cache_dir/name``: copied from ``source`` or downloaded from
    ``repo`` at ``revision``; refused (nothing written) when model.bin's SHA-256 differs."""
    if len(revision) < 7 or revision in {"main", "master", "HEAD"}:
        raise ModelError(f"revision {revision!r} is not pinned: give a commit hash")
    wanted = sha256.strip().lower()
    if len(wanted) != 64:
        raise ModelError("sha256 must be the 64 hex digits of model.bin's SHA-256")
    record = SeedRecord(name=name, repo=repo, revision=revision, sha256=wanted)
    if seeded(cache_dir, name) == record and (cache_dir / name / "model.bin").is_file():
        return record
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".seed-{name.replace('/', '_')}-", dir=cache_dir))
    try:
        if source is not None:
            if not (source / "model.bin").is_file():
                raise ModelError(f"{source} is not a CTranslate2 model folder (no model.bin)")
            shutil.copytree(source, staging, dirs_exist_ok=True)
        else:
            _download(repo, revision, staging)
        model_bin = staging / "model.bin"
        if not model_bin.is_file():
            raise ModelError(f"{repo}@{revision} has no model.bin")
        actual = file_sha256(model_bin)
        if actual != wanted:
            raise ModelError(f"model.bin of {repo}@{revision} has SHA-256 {actual}, not {wanted}")
        (staging / SEED_RECORD).write_text(json.dumps(asdict(record), indent=2))
        target = cache_dir / name
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return record
