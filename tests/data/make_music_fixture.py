"""Regenerate ``guitar_then_speech.m4a``: real speech right after a guitar passage (needs sox).

A 6 s strummed-guitar intro (sox's ``synth pluck`` notes, ``bench/lesson_audio.py``), its last
notes ringing into the speech, then the LibriVox clip ``…-0870`` (real recorded speech, see
``make_fixtures.py``) with a picked guitar bed 6 dB under the voice; AAC in MP4, about 80 KB.
With faster-whisper's VAD padding (400 ms) the first speech chunk starts after the first word;
``tests/unit/test_vad_music.py`` checks that Scribe's keeps it. ``guitar_then_speech.json``
holds where the speech starts and what it says.

Run: ``.venv/bin/python tests/data/make_music_fixture.py``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import av
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "bench"))

import lesson_audio  # noqa: E402

CLIP = "sense_and_sensibility_01_austen_64kb-0870"
INTRO_SECONDS = 6.0


def write_m4a(samples: np.ndarray, path: Path) -> None:
    """16 kHz mono AAC in an MP4 container."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        stream.layout = "mono"
        stream.bit_rate = 48000
        for start in range(0, pcm.size, 1024):
            frame = av.AudioFrame.from_ndarray(
                pcm[start : start + 1024].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = 16000
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def main() -> None:
    """Write the fixture and its facts."""
    speech = lesson_audio.read_16k(HERE / "librivox" / f"{CLIP}.wav")
    lesson = lesson_audio.build_lesson(
        [speech], first_index=0, guitar=True, seed=2, bed_db=-6.0, intro_seconds=INTRO_SECONDS
    )
    write_m4a(lesson.samples, HERE / "guitar_then_speech.m4a")
    onset = float(np.flatnonzero(np.abs(speech) > 0.02)[0]) / lesson_audio.RATE
    lines = (HERE / "librivox" / "reference.txt").read_text().splitlines()
    references = dict(line.split("\t", 1) for line in lines)
    facts = {
        "music_end": INTRO_SECONDS,
        "speech_onset": round(INTRO_SECONDS + onset, 3),
        "text": references[CLIP],
    }
    (HERE / "guitar_then_speech.json").write_text(json.dumps(facts, indent=2) + "\n")


if __name__ == "__main__":
    main()
