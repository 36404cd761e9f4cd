"""Audio preparation for batched decoding: a file's speech cut into chunks with their features.

Step 1 of :mod:`scribe.stages.transcribe.batched.decoder` (CPU only, no decoding, so a worker runs
it in a prefetch thread while the model decodes other files): read the audio, find speech with
Silero VAD, cut it into chunks of at most ``batch_chunk_seconds`` and compute each chunk's log-mel
features.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scribe.stages.transcribe.options import SAMPLE_RATE, DecodeOptions
from scribe.stages.transcribe.vad import speech_regions

log = logging.getLogger(__name__)

# The batched pipeline's VAD: shorter silences split speech than in sequential mode (2 s), so a
# chunk boundary falls in a pause rather than inside a word.
VAD_MIN_SILENCE_MS = 160


@dataclass
class PreparedAudio:
    """A file cut into speech chunks with their features, ready for the decoder."""

    duration: float
    speech_seconds: float
    speech: list[dict[str, int]]  # VAD speech regions, in samples of the original audio
    features: list[np.ndarray]  # (n_mels, 3000) log-mel features per chunk
    chunks: list[dict[str, float]]  # offset and duration per chunk, on the speech-only timeline
    language: str
    language_probability: float
    prepare_seconds: float = 0.0


def prepare_audio(
    model: Any,
    audio: Path | np.ndarray,
    *,
    options: DecodeOptions,
    chunk_seconds: float = 30.0,
) -> PreparedAudio:
    """Read ``audio`` (a file or 16 kHz float samples), cut its speech into chunks of at most
    ``chunk_seconds`` and compute their features. Only a multilingual model with no language
    given runs the model here (language detection)."""
    from faster_whisper.audio import decode_audio, pad_or_trim
    from faster_whisper.vad import collect_chunks

    started = time.perf_counter()
    samples = (
        audio
        if isinstance(audio, np.ndarray)
        else decode_audio(str(audio), sampling_rate=SAMPLE_RATE)
    )
    duration = samples.shape[0] / SAMPLE_RATE
    if options.vad_filter:
        speech = speech_regions(
            samples, options, max_speech_s=chunk_seconds, min_silence_ms=VAD_MIN_SILENCE_MS
        )
    else:
        step = int(chunk_seconds * SAMPLE_RATE)
        speech = [
            {"start": start, "end": min(start + step, samples.shape[0])}
            for start in range(0, samples.shape[0], step)
        ]
    speech_seconds = sum(region["end"] - region["start"] for region in speech) / SAMPLE_RATE
    features: list[np.ndarray] = []
    chunks: list[dict[str, float]] = []
    if speech and speech_seconds > 0:
        pieces, metadata = collect_chunks(samples, speech, max_duration=chunk_seconds)
        for piece, meta in zip(pieces, metadata, strict=True):
            if piece.size == 0:
                continue
            features.append(pad_or_trim(model.feature_extractor(piece)[..., :-1]))
            chunks.append({"offset": float(meta["offset"]), "duration": float(meta["duration"])})
    language, probability = _language(model, options.language, features)
    return PreparedAudio(
        duration=duration,
        speech_seconds=speech_seconds,
        speech=speech,
        features=features,
        chunks=chunks,
        language=language,
        language_probability=probability,
        prepare_seconds=time.perf_counter() - started,
    )


def _language(model: Any, wanted: str | None, features: list[np.ndarray]) -> tuple[str, float]:
    """The language to decode in: the one asked for, English for an English-only model, or
    the one detected in the first chunk."""
    if not model.model.is_multilingual:
        if wanted not in (None, "en"):
            log.warning("the model is English-only; decoding %r audio as English", wanted)
        return "en", 1.0
    if wanted is not None:
        return wanted, 1.0
    n_mels = model.model.n_mels
    sample = np.concatenate(
        [*features[:1], np.full((n_mels, 1), -1.5, dtype="float32")], axis=1
    )  # a dummy frame keeps empty audio valid, as faster-whisper does
    language, probability, _all = model.detect_language(features=sample)
    return str(language), float(probability)
