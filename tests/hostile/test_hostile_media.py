"""Hostile media and names, straight through the extract stage and the api.

- Long silence is refused from the duration the container states, before any decoding (the
  stop check, called every 5 s of decoded audio, is never reached); with no stated duration
  the streaming counter stops it just past the limit.
- Of two audio tracks the main one is chosen on purpose and named in the audio facts.
- Non-ASCII and colliding names keep their letters and stay distinct.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from scribe.artifacts import safe_filename
from scribe.errors import MediaError
from scribe.local_run import output_folders
from scribe.stages.extract.media import extract_audio
from tests.api.conftest import LiveApi
from tests.helpers import LESSON_MP4, LIBRIVOX
from tests.reliability.poison import (
    HOSTILE_NAMES,
    long_silence_stated,
    long_silence_unstated,
    two_audio_tracks,
)


def test_long_silence_is_refused_from_the_stated_duration_before_decoding(
    tmp_path: Path,
) -> None:
    source = long_silence_stated(tmp_path / "silence.flac", minutes=30)
    assert source.stat().st_size < 1_000_000  # 30 minutes in a few hundred KB
    checks: list[int] = []

    def should_stop() -> bool:
        checks.append(1)
        return False

    with pytest.raises(MediaError, match="as the file states"):
        extract_audio(source, tmp_path / "out.wav", max_duration=600, should_stop=should_stop)
    assert checks == [] and not (tmp_path / "out.wav").exists()


def test_silence_with_no_stated_duration_is_stopped_by_the_counter(tmp_path: Path) -> None:
    source = long_silence_unstated(tmp_path / "silence.mkv", seconds=120)
    decoded: list[int] = []

    def should_stop() -> bool:
        decoded.append(1)
        return False

    with pytest.raises(MediaError, match="limit"):
        extract_audio(source, tmp_path / "out.wav", max_duration=30, should_stop=should_stop)
    assert 0 < len(decoded) <= 8  # every 5 s of audio: stopped near 30 s, not at 120 s
    assert not (tmp_path / "out.wav").exists()


def test_two_audio_tracks_the_main_one_is_chosen_and_named(tmp_path: Path) -> None:
    speech = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0880.wav"
    with wave.open(str(speech)) as handle:
        voice = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    source = two_audio_tracks(tmp_path / "two.mkv", voice)
    facts = extract_audio(source, tmp_path / "out.wav")
    assert facts.audio_streams == 2 and facts.stream_index == 1
    assert facts.source_channels == 2 and facts.rms_dbfs > -60  # the speech, not the silence
    assert "of 2 audio streams" in facts.stream_choice
    assert facts.to_dict()["stream_choice"] == facts.stream_choice


def test_names_keep_their_letters_and_never_collide() -> None:
    assert safe_filename("日本語レッスン.mp4") == "日本語レッスン.mp4"
    assert safe_filename("Leçon 3 – accords ü.mp4") == "Leçon_3_–_accords_ü.mp4"
    assert safe_filename('say "hi".mp4') == "say_hi_.mp4"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert len(safe_filename("日" * 300 + ".mp4").encode()) <= 180
    assert safe_filename("日" * 300 + ".mp4").endswith(".mp4")
    folders = output_folders([Path("a.mp3"), Path("a.wav"), Path("x/a.mp3"), Path("A.mp3")])
    assert len({f.lower() for f in folders}) == 4 and folders[0] == "a"


def test_uploaded_names_come_back_intact(hostile_api: LiveApi) -> None:
    with hostile_api.client() as client:
        for name in HOSTILE_NAMES[:3]:
            response = client.post(
                "/api/v1/jobs",
                files={"file": (name, LESSON_MP4.read_bytes())},
                data={"priority": "low"},
            )
            assert response.status_code == 201, response.text
            job = response.json()["jobs"][0]
            assert job["filename"] == safe_filename(name), job["filename"]
            media = client.get(f"/api/v1/jobs/{job['id']}/media")
            assert media.status_code == 200
            assert "filename*=UTF-8''" in media.headers["content-disposition"]
        encoded = client.post(
            "/api/v1/jobs", files={"file": ("say %22hi%22.mp4", LESSON_MP4.read_bytes())}
        )
        assert encoded.json()["jobs"][0]["filename"] == "say_hi_.mp4"  # a browser's %22


def test_status_takes_an_id_prefix(hostile_api: LiveApi) -> None:
    from scribe.client import ScribeClient
    from scribe.errors import ScribeError

    with hostile_api.client() as client:
        job = client.post(
            "/api/v1/jobs", files={"file": ("p.mp4", LESSON_MP4.read_bytes())}
        ).json()["jobs"][0]
    found = ScribeClient(hostile_api.base).find_job(job["id"][:10])
    assert found["id"] == job["id"]
    with pytest.raises(ScribeError, match="no job id starts with"):
        ScribeClient(hostile_api.base).find_job("fffffffffffffff0")
