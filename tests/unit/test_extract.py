"""Extraction with real decoding through FFmpeg's libraries."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from scribe.errors import MediaError, NoAudioStreamError
from scribe.stages.extract.media import extract_audio
from tests.helpers import LESSON_MP4, LIBRIVOX, SILENT_VIDEO


def test_mp4_becomes_16k_mono_wav_with_facts(tmp_path: Path) -> None:
    target = tmp_path / "a.wav"
    seen: list[float] = []
    facts = extract_audio(LESSON_MP4, target, progress=seen.append)
    with wave.open(str(target)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        assert wav.getnframes() / 16000 == pytest.approx(facts.duration, abs=0.01)
    assert 12.0 < facts.duration < 14.5
    assert facts.source_codec == "aac"
    assert facts.source_channels == 1
    assert -20 < facts.peak_dbfs <= 0
    assert facts.rms_dbfs < facts.peak_dbfs
    assert 0.0 < facts.silence_ratio < 0.6
    assert all(0 <= share <= 1 for share in seen)


def test_wav_input_is_resampled(tmp_path: Path) -> None:
    source = next(LIBRIVOX.glob("*.wav"))
    facts = extract_audio(source, tmp_path / "b.wav")
    assert facts.source_codec.startswith("pcm_")
    assert facts.sample_rate == 16000


def test_video_without_audio_is_a_permanent_error(tmp_path: Path) -> None:
    with pytest.raises(NoAudioStreamError, match="no audio stream found"):
        extract_audio(SILENT_VIDEO, tmp_path / "c.wav")
    assert not (tmp_path / "c.wav").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"these are not the frames you are looking for\n" * 50, "not a media file"),
    ],
)
def test_bad_files_fail_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    source = tmp_path / "lesson.mp4"
    source.write_bytes(content)
    with pytest.raises(MediaError, match=reason):
        extract_audio(source, tmp_path / "d.wav")


def test_truncated_mp4_fails_cleanly(tmp_path: Path) -> None:
    source = tmp_path / "cut.mp4"
    source.write_bytes(LESSON_MP4.read_bytes()[:4000])
    with pytest.raises(MediaError):
        extract_audio(source, tmp_path / "e.wav")


def test_loudness_normalisation_brings_quiet_audio_up(tmp_path: Path) -> None:
    import numpy as np

    quiet = tmp_path / "quiet.wav"
    loud_target = tmp_path / "normalised.wav"
    source = next(LIBRIVOX.glob("*.wav"))
    with wave.open(str(source)) as handle:
        params = handle.getparams()
        samples = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    with wave.open(str(quiet), "wb") as out:
        out.setparams(params)
        out.writeframes((samples * 0.05).astype(np.int16).tobytes())
    plain = extract_audio(quiet, tmp_path / "plain.wav")
    boosted = extract_audio(quiet, loud_target, normalize_loudness=True)
    assert plain.gain_db == 0.0
    assert boosted.gain_db > 10
    with wave.open(str(loud_target)) as handle:
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    rms = 20 * np.log10(np.sqrt((data.astype(np.float64) ** 2).mean()) / 32768)
    assert rms == pytest.approx(plain.rms_dbfs + boosted.gain_db, abs=0.5)
    assert np.abs(data.astype(np.int32)).max() < 32767
