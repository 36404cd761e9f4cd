"""A corpus of bad (and oddly good) media files, generated on demand.

Run as a script to write them to a folder: ``python -m tests.reliability.poison OUT``.
Each entry says whether the job must fail (with a reason), must complete, or may do either
(files whose outcome is decoder-dependent but must never crash anything).
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import sys
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tests.helpers import LESSON_MP4, LIBRIVOX, SILENT_VIDEO

FAIL, COMPLETE, EITHER = "fail", "complete", "either"


def _pcm_wav(path: Path, samples: np.ndarray, rate: int, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype(np.int16).tobytes())
    return path


def _encode(
    path: Path,
    codec: str,
    samples: np.ndarray,
    rate: int,
    fmt: str | None = None,
    layout: str = "mono",
) -> Path:
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = layout
        channels = 1 if layout == "mono" else 2
        frame_size = 1152 if codec in ("libmp3lame", "mp3") else 1024
        data = samples.reshape(channels, -1) if channels > 1 else samples.reshape(1, -1)
        for start in range(0, data.shape[1], frame_size):
            chunk = np.ascontiguousarray(data[:, start : start + frame_size])
            frame = av.AudioFrame.from_ndarray(
                chunk.astype(np.int16) if channels == 1 else chunk.astype(np.int16).reshape(1, -1),
                format="s16",
                layout=layout,
            )
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def make_corpus(folder: Path) -> list[tuple[Path, str]]:
    """Write the corpus; returns (file, expected outcome) pairs (at least 25)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    speech = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0880.wav"
    mp4 = LESSON_MP4.read_bytes()
    with wave.open(str(speech)) as handle:
        voice = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    corpus: list[tuple[Path, str]] = []

    def add(name: str, data: bytes, outcome: str) -> None:
        path = folder / name
        path.write_bytes(data)
        corpus.append((path, outcome))

    add("zero-bytes.mp4", b"", FAIL)
    add("truncated-header.mp4", mp4[:2000], FAIL)
    add("truncated-half.mp4", mp4[: len(mp4) // 2], EITHER)
    add("text-named.mp4", b"Lesson notes: play the G chord.\n" * 40, FAIL)
    add("html-named.mp4", b"<!doctype html><html><body>404 Not Found</body></html>", FAIL)
    add("json-named.wav", b'{"lesson": 1, "title": "not audio"}', FAIL)
    add("random-bytes.mp4", rng.bytes(200_000), FAIL)
    add("random-bytes.wav", b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + rng.bytes(5000), FAIL)
    add("gzip-named.mp3", gzip.compress(b"not audio " * 1000), FAIL)
    add("png-named.mp4", b"\x89PNG\r\n\x1a\n" + rng.bytes(3000), FAIL)
    add("no-audio-stream.mp4", SILENT_VIDEO.read_bytes(), FAIL)
    corrupt = bytearray(speech.read_bytes())
    corrupt[20:36] = b"\xff" * 16  # fmt chunk: format, channels, rate, block align all wrong
    add("corrupt-wav-header.wav", bytes(corrupt), FAIL)
    add("wav-header-only.wav", speech.read_bytes()[:44], FAIL)
    # Decodable files that are odd but valid: they must complete.
    _pcm_wav(folder / "50-ms.wav", voice[:800], 16000)
    corpus.append((folder / "50-ms.wav", COMPLETE))
    eight = np.repeat(np.resize(voice, 16000 * 2)[None, :], 8, axis=0).T.reshape(-1)
    _pcm_wav(folder / "8ch-192k.wav", np.repeat(eight, 12)[: 192000 * 8 * 2], 192000, channels=8)
    corpus.append((folder / "8ch-192k.wav", COMPLETE))
    _pcm_wav(folder / "long-silence.wav", np.zeros(16000 * 120), 16000)
    corpus.append((folder / "long-silence.wav", COMPLETE))
    add("wav-named.mp4", speech.read_bytes(), COMPLETE)  # wrong extension
    _encode(folder / "mp3-named.wav", "libmp3lame", np.resize(voice, 16000 * 3), 16000, fmt="mp3")
    corpus.append((folder / "mp3-named.wav", COMPLETE))
    _encode(folder / "opus.ogg", "libopus", np.resize(voice, 48000 * 2), 48000, fmt="ogg")
    corpus.append((folder / "opus.ogg", COMPLETE))
    flac = _encode(folder / "flac.flac", "flac", np.resize(voice, 16000 * 3), 16000, fmt="flac")
    corpus.append((flac, COMPLETE))
    ogg = (folder / "opus.ogg").read_bytes()
    add("truncated.ogg", ogg[: len(ogg) // 3], EITHER)
    # A file that decompresses to far more audio than the limit (a few KB of FLAC silence
    # that decodes to 40 minutes; the test sets the limit to 20 minutes).
    _encode(
        folder / "bomb.flac", "flac", np.zeros(8000 * 60 * 40, dtype=np.int16), 8000, fmt="flac"
    )
    corpus.append((folder / "bomb.flac", FAIL))
    # An MP4 whose header claims a huge duration (mvhd/mdhd durations patched).
    patched = bytearray(mp4)
    for box in (b"mvhd", b"mdhd"):
        at = patched.find(box)
        while at != -1:
            version = patched[at + 4]
            offset = at + 4 + 4 + (16 if version == 1 else 8) + 4
            size = 8 if version == 1 else 4
            patched[offset : offset + size] = b"\x7f" + b"\xff" * (size - 1)
            at = patched.find(box, at + 4)
    add("huge-claimed-duration.mp4", bytes(patched), EITHER)
    # An unsupported codec: a container whose audio stream names no decoder FFmpeg has.
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska") as out:
        stream = out.add_stream("pcm_s16le", rate=16000)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(voice[None, :16000], format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 16000, 0, Fraction(1, 16000)
        for packet in stream.encode(frame):
            out.mux(packet)
    unsupported = bytearray(buffer.getvalue())
    at = unsupported.find(b"A_PCM/INT/LIT")
    unsupported[at : at + 13] = b"A_SCRIBE/NONE"
    add("unsupported-codec.mkv", bytes(unsupported), FAIL)
    add("null-bytes.wav", b"\0" * 100_000, FAIL)
    add("mp4-tail-only.mp4", mp4[len(mp4) // 2 :], FAIL)
    add("one-byte.mp3", b"\xff", FAIL)
    return corpus + make_hostile_media(folder / "hostile")


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "poison")
    for path, outcome in make_corpus(target):
        print(f"{outcome:9s}{os.path.getsize(path):>10d}  {path.name}")


def _frames(stream: av.AudioStream, rate: int, layout: str, samples: np.ndarray) -> list[object]:
    """Encode int16 ``samples`` (interleaved when stereo) in 4096-sample frames."""
    channels = 2 if layout == "stereo" else 1
    packets: list[object] = []
    per = 4096
    total = samples.size // channels
    for start in range(0, total, per):
        chunk = samples[start * channels : (start + per) * channels].reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="s16", layout=layout)
        frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        packets += stream.encode(frame)
    packets += stream.encode(None)
    return packets


def long_silence_stated(path: Path, minutes: int = 30) -> Path:
    """FLAC silence whose header states its length (a few KB that decode to ``minutes``)."""
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=8000)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        for packet in _frames(stream, 8000, "mono", np.zeros(8000 * 60 * minutes, np.int16)):
            out.mux(packet)  # type: ignore[arg-type]
    return path


class _Pipe:
    """A write-only, unseekable sink: a muxer cannot go back to write the duration."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)


def long_silence_unstated(path: Path, seconds: int = 120) -> Path:
    """Matroska streamed as if to a pipe: no duration anywhere, only a counter can tell."""
    sink = _Pipe()
    with av.open(sink, "w", format="matroska") as out:
        stream = out.add_stream("flac", rate=8000)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "mono"
        for packet in _frames(stream, 8000, "mono", np.zeros(8000 * seconds, np.int16)):
            out.mux(packet)  # type: ignore[arg-type]
    path.write_bytes(b"".join(sink.parts))
    return path


def two_audio_tracks(path: Path, voice: np.ndarray) -> Path:
    """A Matroska file with a 1 s mono click track first and 4 s of stereo speech second."""
    with av.open(str(path), "w", format="matroska") as out:
        first = out.add_stream("pcm_s16le", rate=16000)
        second = out.add_stream("pcm_s16le", rate=16000)
        assert isinstance(first, av.AudioStream) and isinstance(second, av.AudioStream)
        first.layout, second.layout = "mono", "stereo"
        speech = np.repeat(np.resize(voice, 16000 * 4), 2).astype(np.int16)
        packets = _frames(first, 16000, "mono", np.zeros(16000, np.int16))
        packets += _frames(second, 16000, "stereo", speech)
        for packet in packets:
            out.mux(packet)  # type: ignore[arg-type]
    return path


HOSTILE_NAMES = ("日本語レッスン.mp4", "Leçon 3 – accords ü.mp4", 'say "hi".mp4', "a.mp3", "a.wav")


def make_hostile_media(folder: Path) -> list[tuple[Path, str]]:
    """The newer poison files: long silence (stated and not), two audio tracks, and names."""
    folder.mkdir(parents=True, exist_ok=True)
    speech = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0880.wav"
    with wave.open(str(speech)) as handle:
        voice = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    corpus = [
        (long_silence_stated(folder / "long-silence-stated.flac"), FAIL),
        (long_silence_unstated(folder / "long-silence-unstated.mkv", seconds=60 * 25), FAIL),
        (two_audio_tracks(folder / "two-audio-tracks.mkv", voice), COMPLETE),
    ]
    for name in HOSTILE_NAMES:
        (folder / name).write_bytes(LESSON_MP4.read_bytes())
        corpus.append((folder / name, COMPLETE))
    return corpus
