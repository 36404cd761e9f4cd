"""Silero VAD settings of a decode: the ``vad_*`` fields of ``DecodeOptions`` as faster-whisper
takes them (``vad_parameters`` of the sequential decoder, speech regions of the batched one).

Why not faster-whisper's defaults: after a guitar passage, with a guitar bed under the voice,
Silero's speech probability rises late at a sentence's first syllables, so with its 400 ms
padding the first speech chunk started after the first words (``bench/eval_asr.py``,
docs/quality.md "Lessons heard over guitar"). ``vad_onset_pad_ms`` starts each speech region
earlier (batched decoding: before it only; sequential decoding, where faster-whisper pads both
ends alike: both). The threshold stays 0.5: lower ones let the guitar into the chunks. The
values are the defaults of ``DecodeOptions`` and of the settings (``SCRIBE_WHISPER__VAD_*``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faster_whisper.vad import VadOptions

    from scribe.pipeline.transcribe import DecodeOptions

#: The ``DecodeOptions`` fields this module reads (not keyword arguments of faster-whisper).
VAD_FIELDS = (
    "vad_threshold",
    "vad_neg_threshold",
    "vad_min_speech_ms",
    "vad_min_silence_ms",
    "vad_speech_pad_ms",
    "vad_onset_pad_ms",
)
SAMPLING_RATE = 16_000
#: faster-whisper's own least silence between two speech chunks, sequential decoding.
SEQUENTIAL_MIN_SILENCE_MS = 2000


def vad_parameters(options: DecodeOptions, *, min_silence_ms: int) -> dict[str, Any]:
    """``VadOptions`` keyword arguments of ``options``; ``min_silence_ms`` is the decoding
    path's own least silence, used when ``options.vad_min_silence_ms`` is None."""
    return {
        "threshold": options.vad_threshold,
        "neg_threshold": options.vad_neg_threshold,
        "min_speech_duration_ms": options.vad_min_speech_ms,
        "min_silence_duration_ms": (
            options.vad_min_silence_ms if options.vad_min_silence_ms is not None else min_silence_ms
        ),
        "speech_pad_ms": options.vad_speech_pad_ms,
    }


def sequential_kwargs(options: DecodeOptions) -> dict[str, Any]:
    """The keyword arguments of ``WhisperModel.transcribe`` (the sequential decoder)."""
    kwargs = {k: v for k, v in options.to_dict().items() if k not in VAD_FIELDS}
    if options.vad_filter:
        parameters = vad_parameters(options, min_silence_ms=SEQUENTIAL_MIN_SILENCE_MS)
        parameters["speech_pad_ms"] += options.vad_onset_pad_ms
        kwargs["vad_parameters"] = parameters
    return kwargs


def batched_vad(options: DecodeOptions, *, max_speech_s: float, min_silence_ms: int) -> VadOptions:
    """The ``VadOptions`` that find speech for batched decoding (before the onset padding)."""
    from faster_whisper.vad import VadOptions

    return VadOptions(
        max_speech_duration_s=max_speech_s,
        **vad_parameters(options, min_silence_ms=min_silence_ms),
    )


def speech_regions(
    samples: Any, options: DecodeOptions, *, max_speech_s: float, min_silence_ms: int
) -> list[dict[str, int]]:
    """Silero's speech regions (in samples) for batched decoding, each start moved
    ``vad_onset_pad_ms`` earlier, never into the region before it."""
    from faster_whisper.vad import get_speech_timestamps

    regions: list[dict[str, int]] = get_speech_timestamps(
        samples, batched_vad(options, max_speech_s=max_speech_s, min_silence_ms=min_silence_ms)
    )
    extra = int(options.vad_onset_pad_ms * SAMPLING_RATE / 1000)
    previous_end = 0
    for region in regions:
        region["start"] = max(previous_end, region["start"] - extra)
        previous_end = region["end"]
    return regions
