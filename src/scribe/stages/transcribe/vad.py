"""Silero VAD for batched decoding: speech regions found with the ``vad_*`` decode options.

Why not faster-whisper's defaults: after a guitar passage, with a guitar bed under the voice,
Silero's speech probability rises late at a sentence's first syllables, so with its 400 ms
padding the first speech chunk started after the first words (``bench/eval_asr.py``,
docs/quality.md "Lessons heard over guitar"). ``vad_onset_pad_ms`` starts each speech region
earlier (batched decoding: before it only; sequential decoding, where faster-whisper pads both
ends alike, gets it on both sides through :meth:`DecodeOptions.transcribe_kwargs`). The
threshold stays 0.5: lower ones let the guitar into the chunks. The values are the defaults of
``DecodeOptions`` and of the settings (``SCRIBE_WHISPER__VAD_*``).
"""

from __future__ import annotations

from typing import Any

from scribe.stages.transcribe.options import SAMPLE_RATE, DecodeOptions


def batched_vad(options: DecodeOptions, *, max_speech_s: float, min_silence_ms: int) -> Any:
    """The ``VadOptions`` that find speech for batched decoding (before the onset padding)."""
    from faster_whisper.vad import VadOptions

    return VadOptions(
        max_speech_duration_s=max_speech_s,
        **options.vad_parameters(min_silence_ms=min_silence_ms),
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
    extra = int(options.vad_onset_pad_ms * SAMPLE_RATE / 1000)
    previous_end = 0
    for region in regions:
        region["start"] = max(previous_end, region["start"] - extra)
        previous_end = region["end"]
    return regions
