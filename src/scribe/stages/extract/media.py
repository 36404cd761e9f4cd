"""Extract stage: any common media file → 16 kHz mono 16-bit WAV plus the audio's facts.

Decoding runs in-process through FFmpeg's libraries (PyAV), streaming: memory stays flat
whatever the length of the input.
"""

from __future__ import annotations

import math
import wave
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import av.error
import numpy as np

from scribe.artifacts import AUDIO_SAMPLE_RATE
from scribe.errors import JobCancelled, MediaError, NoAudioStreamError

SAMPLE_RATE = AUDIO_SAMPLE_RATE
_SILENCE_FRAME = 480  # 30 ms at 16 kHz
_SILENCE_DBFS = -45.0
_FLOOR_DBFS = -120.0

ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class AudioFacts:
    """What the extract stage learned about the audio."""

    duration: float
    source_codec: str
    source_sample_rate: int
    source_channels: int
    container: str
    sample_rate: int
    channels: int
    peak_dbfs: float
    rms_dbfs: float
    silence_ratio: float
    gain_db: float = 0.0
    stream_index: int = 0
    audio_streams: int = 1
    stream_choice: str = "the only audio stream"

    def to_dict(self) -> dict[str, float | int | str]:
        """Plain data for ``audio.json``."""
        return asdict(self)


class _LevelMeter:
    """Running peak, RMS and share of silent 30 ms frames over int16 samples."""

    def __init__(self) -> None:
        self.samples = 0
        self.peak = 0
        self.sum_squares = 0.0
        self.frames = 0
        self.silent_frames = 0
        self._carry = np.zeros(0, dtype=np.int16)
        self._silence_threshold = 32768.0 * 10 ** (_SILENCE_DBFS / 20)

    def add(self, chunk: np.ndarray) -> None:
        if chunk.size == 0:
            return
        self.samples += chunk.size
        wide = chunk.astype(np.float64)
        self.peak = max(self.peak, int(np.abs(chunk.astype(np.int32)).max()))
        self.sum_squares += float(np.dot(wide, wide))
        data = np.concatenate([self._carry, chunk]) if self._carry.size else chunk
        whole = data.size - data.size % _SILENCE_FRAME
        if whole:
            frames = data[:whole].astype(np.float64).reshape(-1, _SILENCE_FRAME)
            rms = np.sqrt((frames**2).mean(axis=1))
            self.frames += rms.size
            self.silent_frames += int((rms < self._silence_threshold).sum())
        self._carry = data[whole:].copy()

    def finish(self) -> tuple[float, float, float]:
        if self._carry.size:
            rms = math.sqrt(float((self._carry.astype(np.float64) ** 2).mean()))
            self.frames += 1
            self.silent_frames += int(rms < self._silence_threshold)
        peak = _dbfs(self.peak)
        rms_all = _dbfs(math.sqrt(self.sum_squares / self.samples)) if self.samples else _FLOOR_DBFS
        silence = self.silent_frames / self.frames if self.frames else 1.0
        return peak, rms_all, silence


def _dbfs(amplitude: float) -> float:
    if amplitude <= 0:
        return _FLOOR_DBFS
    return round(max(_FLOOR_DBFS, 20 * math.log10(amplitude / 32768.0)), 2)


def extract_audio(
    source: Path,
    target: Path,
    *,
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    max_duration: float | None = None,
    normalize_loudness: bool = False,
) -> AudioFacts:
    """Decode ``source``'s main audio stream (see :func:`main_audio_stream`) into a 16 kHz
    mono WAV at ``target``.

    A file whose container states a duration over ``max_duration`` is refused before any
    decoding; one that states none is stopped by counting decoded samples.
    Raises :class:`NoAudioStreamError` for a file without audio and :class:`MediaError` for
    anything FFmpeg cannot decode; both are permanent.
    """
    if not source.is_file() or source.stat().st_size == 0:
        raise MediaError("the file is empty")
    try:
        container = av.open(str(source), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise MediaError(f"not a media file FFmpeg can read ({_reason(exc)})") from exc
    with container:
        if not container.streams.audio:
            raise NoAudioStreamError("no audio stream found")
        stream, choice = main_audio_stream(container)
        stream_index, audio_streams = int(stream.index), len(container.streams.audio)
        codec = stream.codec_context
        total = _expected_duration(container, stream)
        if max_duration is not None and total > max_duration:
            raise MediaError(
                f"audio of {total:.0f} s (as the file states) is longer than the "
                f"{max_duration:.0f} s limit of this service"
            )
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        meter = _LevelMeter()
        target.parent.mkdir(parents=True, exist_ok=True)
        last_reported = -1.0
        try:
            with wave.open(str(target), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(SAMPLE_RATE)
                for frame in container.decode(stream):
                    for resampled in resampler.resample(frame):
                        _write(out, meter, resampled)
                    seconds = meter.samples / SAMPLE_RATE
                    if max_duration is not None and seconds > max_duration:
                        raise MediaError(
                            f"audio longer than the {max_duration:.0f} s limit of this service"
                        )
                    if seconds - last_reported >= 5.0:
                        last_reported = seconds
                        if progress and total:
                            progress(min(0.99, seconds / total))
                        if should_stop and should_stop():
                            raise JobCancelled("stopped during audio extraction")
                for resampled in resampler.resample(None):
                    _write(out, meter, resampled)
        except av.error.FFmpegError as exc:
            target.unlink(missing_ok=True)
            raise MediaError(f"the audio stream cannot be decoded ({_reason(exc)})") from exc
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    if meter.samples == 0:
        target.unlink(missing_ok=True)
        raise MediaError("the audio stream holds no decodable samples")
    peak, rms, silence = meter.finish()
    gain = normalize_wav(target, peak_dbfs=peak, rms_dbfs=rms) if normalize_loudness else 0.0
    return AudioFacts(
        duration=round(meter.samples / SAMPLE_RATE, 3),
        source_codec=codec.name or "unknown",
        source_sample_rate=int(codec.sample_rate or 0),
        source_channels=int(codec.channels or 0),
        container=container.format.name,
        sample_rate=SAMPLE_RATE,
        channels=1,
        peak_dbfs=peak,
        rms_dbfs=rms,
        silence_ratio=round(silence, 4),
        gain_db=gain,
        stream_index=stream_index,
        audio_streams=audio_streams,
        stream_choice=choice,
    )


def main_audio_stream(container: av.container.InputContainer) -> tuple[av.AudioStream, str]:
    """The audio stream to transcribe, and why: the one marked default if exactly one is,
    else the longest stated duration, then the most channels, then the first."""
    streams = list(container.streams.audio)
    if len(streams) == 1:
        return streams[0], "the only audio stream"
    defaults = [s for s in streams if s.disposition & av.stream.Disposition.default]
    if len(defaults) == 1:
        return defaults[0], f"the default of {len(streams)} audio streams"

    def rank(stream: av.AudioStream) -> tuple[float, int, int]:
        stated = _expected_duration(container, stream, own_only=True)
        return (stated, int(stream.codec_context.channels or 0), -int(stream.index))

    best = max(streams, key=rank)
    return best, f"the longest, then widest, of {len(streams)} audio streams"


TARGET_RMS_DBFS = -20.0
PEAK_CEILING_DBFS = -1.0
MAX_GAIN_DB = 30.0


def normalize_wav(path: Path, *, peak_dbfs: float, rms_dbfs: float) -> float:
    """Scale a 16-bit WAV towards ``TARGET_RMS_DBFS`` without pushing its peak past
    ``PEAK_CEILING_DBFS``; returns the gain applied in dB (0 when none was needed)."""
    gain = min(TARGET_RMS_DBFS - rms_dbfs, PEAK_CEILING_DBFS - peak_dbfs, MAX_GAIN_DB)
    if abs(gain) < 0.5:
        return 0.0
    factor = 10 ** (gain / 20)
    with wave.open(str(path), "rb") as source:
        frames = source.getnframes()
    header = path.stat().st_size - frames * 2
    samples = np.memmap(path, dtype=np.int16, mode="r+", offset=header, shape=(frames,))
    block = SAMPLE_RATE * 60
    for start in range(0, frames, block):
        scaled = samples[start : start + block].astype(np.float64) * factor
        samples[start : start + block] = np.clip(scaled, -32768, 32767).astype(np.int16)
    samples.flush()
    del samples
    return round(gain, 2)


def _write(out: wave.Wave_write, meter: _LevelMeter, frame: av.AudioFrame) -> None:
    samples = frame.to_ndarray().reshape(-1).astype(np.int16, copy=False)
    meter.add(samples)
    out.writeframes(samples.tobytes())


def _expected_duration(
    container: av.container.InputContainer, stream: av.AudioStream, *, own_only: bool = False
) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if own_only:
        return 0.0
    if container.duration is not None:
        return container.duration / 1_000_000
    return 0.0


def _reason(exc: av.error.FFmpegError) -> str:
    return getattr(exc, "strerror", None) or str(exc)
