"""What shapes a transcript: the decode options, the audio rate, and the decoders' callbacks.

A leaf: every other transcription module imports from here, this imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from scribe.artifacts import AUDIO_SAMPLE_RATE
from scribe.config import WhisperSettings
from scribe.domain.transcript import Segment

SAMPLE_RATE = AUDIO_SAMPLE_RATE
"""Whisper hears 16 kHz mono, the rate the extract stage writes."""

#: faster-whisper's own least silence between two speech chunks, sequential decoding.
SEQUENTIAL_MIN_SILENCE_MS = 2000

ProgressCallback = Callable[[float], None]
StopCheck = Callable[[], bool]
WindowPrompt = Callable[[list[Segment]], str | None]
WindowChoice = Callable[[list[Segment], list[Segment]], bool]


@dataclass(frozen=True)
class DecodeOptions:
    """Every option that shapes a transcript; stored next to it in ``transcript.json``."""

    language: str | None = "en"
    beam_size: int = 5
    vad_filter: bool = True
    word_timestamps: bool = True
    condition_on_previous_text: bool = False
    initial_prompt: str | None = None
    hotwords: str | None = None
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    no_speech_threshold: float = 0.6
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    hallucination_silence_threshold: float | None = None
    # Silero VAD (scribe.stages.transcribe.vad): speech probability threshold, the threshold
    # under which speech ends (None: threshold - 0.15), shortest speech kept, least silence
    # between chunks (None: the decoding path's own, 2000 ms sequential, 160 ms batched),
    # padding each side.
    vad_threshold: float = 0.5
    vad_neg_threshold: float | None = None
    vad_min_speech_ms: int = 0
    vad_min_silence_ms: int | None = None
    vad_speech_pad_ms: int = 400
    # More padding before each speech stretch only (batched decoding; sequential decoding
    # widens both ends): the first words after a guitar passage are quiet to Silero.
    vad_onset_pad_ms: int = 600

    @classmethod
    def from_settings(cls, whisper: WhisperSettings) -> DecodeOptions:
        """The defaults the settings choose."""
        return cls(
            language=None if whisper.language == "auto" else whisper.language,
            beam_size=whisper.beam_size,
            vad_filter=whisper.vad_filter,
            condition_on_previous_text=whisper.condition_on_previous_text,
            no_speech_threshold=whisper.no_speech_threshold,
            compression_ratio_threshold=whisper.compression_ratio_threshold,
            hallucination_silence_threshold=whisper.hallucination_silence_threshold,
            vad_threshold=whisper.vad_threshold,
            vad_speech_pad_ms=whisper.vad_speech_pad_ms,
            vad_min_silence_ms=whisper.vad_min_silence_ms,
            vad_onset_pad_ms=whisper.vad_onset_pad_ms,
        )

    def for_job(
        self,
        *,
        language: str | None = None,
        initial_prompt: str | None = None,
        hotwords: str | None = None,
        beam_size: int | None = None,
    ) -> DecodeOptions:
        """Apply what a job asks for; ``None`` (or empty) keeps the default, ``auto``
        detects the language."""
        changes: dict[str, Any] = {}
        if language:
            changes["language"] = None if language == "auto" else language
        if initial_prompt:
            changes["initial_prompt"] = initial_prompt
        if hotwords:
            changes["hotwords"] = hotwords
        if beam_size:
            changes["beam_size"] = beam_size
        return replace(self, **changes)

    def vad_parameters(self, *, min_silence_ms: int) -> dict[str, Any]:
        """faster-whisper's ``VadOptions`` keyword arguments of these options;
        ``min_silence_ms`` is the decoding path's own least silence, used when
        ``vad_min_silence_ms`` is None."""
        return {
            "threshold": self.vad_threshold,
            "neg_threshold": self.vad_neg_threshold,
            "min_speech_duration_ms": self.vad_min_speech_ms,
            "min_silence_duration_ms": (
                self.vad_min_silence_ms if self.vad_min_silence_ms is not None else min_silence_ms
            ),
            "speech_pad_ms": self.vad_speech_pad_ms,
        }

    def transcribe_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of faster-whisper's ``WhisperModel.transcribe`` for these
        options (its sequential decoder): the fields carry its parameter names, the ``vad_*``
        ones go in ``vad_parameters`` (where faster-whisper pads both ends alike, so the onset
        padding widens both)."""
        kwargs = {k: v for k, v in self.to_dict().items() if not k.startswith("vad_")}
        kwargs["vad_filter"] = self.vad_filter
        if self.vad_filter:
            parameters = self.vad_parameters(min_silence_ms=SEQUENTIAL_MIN_SILENCE_MS)
            parameters["speech_pad_ms"] += self.vad_onset_pad_ms
            kwargs["vad_parameters"] = parameters
        return kwargs

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        data = asdict(self)
        data["temperature"] = list(self.temperature)
        return data
