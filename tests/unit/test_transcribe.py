"""Transcription with the real bundled Whisper model on real recorded speech."""

from __future__ import annotations

from pathlib import Path

import pytest

from scribe.config import Settings, WhisperSettings
from scribe.errors import ModelError
from scribe.stages.extract.media import extract_audio
from scribe.stages.transcribe.model import resolve_model
from scribe.stages.transcribe.options import DecodeOptions
from scribe.stages.transcribe.transcriber import Transcriber
from tests.helpers import librivox_references, word_error_rate

# tiny.en scores about 5-8 % WER on clean LibriSpeech; these three short clips hold 44 words,
# so a bound of 0.15 allows ~6 errors and still fails when words go missing.
MAX_WER = 0.15


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    return Transcriber(WhisperSettings(cpu_threads=2))


def test_real_speech_is_transcribed_with_word_times(
    transcriber: Transcriber, tmp_path: Path
) -> None:
    references, hypotheses = [], []
    for clip, reference in librivox_references().items():
        wav = tmp_path / f"{clip.stem}.wav"
        facts = extract_audio(clip, wav)
        progress: list[float] = []
        transcript = transcriber.transcribe(wav, progress=progress.append)
        words = transcript.words
        assert words, clip
        starts = [w.start for w in words]
        assert starts == sorted(starts)
        assert all(0 <= w.start <= w.end <= facts.duration + 0.5 for w in words)
        assert all(0 <= w.probability <= 1 for w in words)
        assert transcript.language == "en"
        assert transcript.options["condition_on_previous_text"] is False
        assert transcript.options["vad_filter"] is True
        references.append(reference)
        hypotheses.append(transcript.text)
    assert word_error_rate(" ".join(references), " ".join(hypotheses)) < MAX_WER


def test_job_options_override_the_defaults() -> None:
    base = DecodeOptions()
    changed = base.for_job(language="auto", hotwords="pentatonic", beam_size=None)
    assert changed.language is None
    assert changed.hotwords == "pentatonic"
    assert base.hotwords is None


def test_unknown_model_without_downloads_is_a_clear_error(settings: Settings) -> None:
    whisper = settings.whisper.model_copy(update={"model": "large-v3"})
    with pytest.raises(ModelError, match="downloads are off"):
        resolve_model(whisper)


def test_a_folder_without_a_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"model\.bin"):
        resolve_model(WhisperSettings(model=str(tmp_path)))
