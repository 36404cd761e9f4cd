"""A loaded Whisper model (faster-whisper): a file decoded sequentially or in batches, and the
second pass's windows decoded again with their own prompts.

The model is loaded once per process (:class:`Transcriber`) and reused for every job. Whether
a file is decoded in batches is decided once, by :mod:`scribe.stages.transcribe.model`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

from scribe.config import WhisperSettings
from scribe.domain.transcript import Segment, Transcript
from scribe.errors import JobCancelled, ModelError
from scribe.stages.transcribe.batched.decoder import BatchDecoder, biased, transcribe_batched
from scribe.stages.transcribe.biasing.rescoring import DEFAULT_WEIGHT, TermRescorer
from scribe.stages.transcribe.model import (
    pick_device,
    resolve_batch_size,
    resolve_model,
    resolve_replicas,
)
from scribe.stages.transcribe.options import (
    SAMPLE_RATE,
    DecodeOptions,
    ProgressCallback,
    StopCheck,
    WindowChoice,
    WindowPrompt,
)
from scribe.stages.transcribe.segments import guard_segment, segment_from

# A second pass (Transcriber.redecode) decodes stretches of first-pass segments no longer than
# Whisper's window, with up to this much audio either side (within the neighbouring stretches).
WINDOW_SECONDS = 28.0
CLIP_PAD_SECONDS = 1.0


class Transcriber:
    """A loaded Whisper model, ready to transcribe many files."""

    #: ``whisper.engine``'s name of this implementation (the torch engine says ``torch``).
    engine = "ctranslate2"

    def __init__(self, whisper: WhisperSettings) -> None:
        from faster_whisper import WhisperModel

        self.settings = whisper
        path, self.model_name = resolve_model(whisper)
        self.device, self.compute_type = pick_device(whisper)
        self.replicas, cpu_threads = resolve_replicas(whisper, self.device)
        started = time.perf_counter()
        try:
            self.model = WhisperModel(
                path,
                device=self.device,
                device_index=whisper.device_index,
                compute_type=self.compute_type,
                cpu_threads=cpu_threads,
                num_workers=self.replicas,
                download_root=str(whisper.cache_dir),
                local_files_only=not whisper.allow_download,
            )
        except (RuntimeError, ValueError, OSError, MemoryError) as exc:
            raise ModelError(f"cannot load model {self.model_name!r}: {exc}") from exc
        self.load_seconds = time.perf_counter() - started
        self.default_options = DecodeOptions.from_settings(whisper)
        self.batch_size = resolve_batch_size(whisper, self.device)
        # Batched decoding (scribe.stages.transcribe.batched.decoder) when batch_size > 1.
        self.batch_decoder = BatchDecoder(
            self.model, batch_size=self.batch_size, progress_tick=self.settings.progress_interval
        )

    def lexicon_bias(self, terms: Sequence[str], **options: Any) -> TermRescorer | None:
        """An n-best :class:`~scribe.stages.transcribe.biasing.rescoring.TermRescorer` over
        ``terms`` with this model's tokenizer (``weight``, ``min_tokens`` as options; others
        are the torch bias's and ignored), or None when decoding is sequential (batch size 1:
        faster-whisper's own loop returns one hypothesis)."""
        if self.batch_size <= 1:
            return None
        tokenizer = self.model.hf_tokenizer
        return TermRescorer(
            tokenizer,
            terms,
            eot=tokenizer.token_to_id("<|endoftext|>"),
            weight=options.get("weight", DEFAULT_WEIGHT),
            min_tokens=options.get("min_tokens", 1),
        )

    def biased(self, bias: TermRescorer | None) -> AbstractContextManager[None]:
        """A block in which this thread's batched decoding rescores with ``bias``."""
        return biased(self.batch_decoder, bias)

    def transcribe(
        self,
        audio: Path,
        *,
        options: DecodeOptions | None = None,
        progress: ProgressCallback | None = None,
        should_stop: StopCheck | None = None,
    ) -> Transcript:
        """Transcribe a 16 kHz WAV; ``should_stop`` is checked after each segment (after each
        batch when ``batch_size`` > 1)."""
        opts = options or self.default_options
        if self.batch_size > 1:
            return transcribe_batched(
                self, audio, options=opts, progress=progress, should_stop=should_stop
            )
        started = time.perf_counter()
        segments_iter, info = self.model.transcribe(str(audio), **opts.transcribe_kwargs())
        segments: list[Segment] = []
        for raw in segments_iter:
            segment = guard_segment(segment_from(len(segments), raw))
            if segment is not None:
                segments.append(segment)
            if progress and info.duration:
                progress(min(0.999, raw.end / info.duration))
            if should_stop and should_stop():
                raise JobCancelled("cancelled during transcription")
        elapsed = time.perf_counter() - started
        flags = (
            []
            if any(segment.words or segment.text.strip() for segment in segments)
            else ["no_speech"]
        )
        return Transcript(
            flags=flags,
            speech_duration=round(float(getattr(info, "duration_after_vad", info.duration)), 3),
            language=info.language,
            language_probability=round(float(info.language_probability), 4),
            duration=round(float(info.duration), 3),
            model=self.model_name,
            options={**opts.to_dict(), "device": self.device, "compute_type": self.compute_type},
            timings={
                "transcribe_seconds": round(elapsed, 3),
                "real_time_factor": round(elapsed / info.duration, 4) if info.duration else 0.0,
            },
            segments=segments,
        )

    def redecode(
        self,
        audio: Path,
        first: Transcript,
        *,
        prompt_for: WindowPrompt,
        keep: WindowChoice,
        options: DecodeOptions | None = None,
        should_stop: StopCheck | None = None,
    ) -> Transcript:
        """A second pass over ``first``: each window of its segments (at most
        :data:`WINDOW_SECONDS`) for which ``prompt_for`` gives a prompt is decoded again with
        that initial prompt, and its new segments replace the old ones where ``keep(old,
        new)`` says so. faster-whisper applies an initial prompt to the first 30 s window
        only; decoding window by window gives each its own."""
        opts = options or self.default_options
        started = time.perf_counter()
        groups = windows(first.segments)
        samples: Any = None
        segments: list[Segment] = []
        redecoded = replaced = 0
        for n, group in enumerate(groups):
            prompt = prompt_for(group)
            chosen = group
            if prompt:
                if samples is None:
                    from faster_whisper import decode_audio

                    samples = decode_audio(str(audio), sampling_rate=SAMPLE_RATE)
                low = max(group[0].start - CLIP_PAD_SECONDS, groups[n - 1][-1].end if n else 0.0)
                high = group[-1].end + CLIP_PAD_SECONDS
                if n + 1 < len(groups):
                    high = min(high, groups[n + 1][0].start)
                clip = samples[int(low * SAMPLE_RATE) : int(high * SAMPLE_RATE)]
                new = self._decode_clip(clip, low, replace(opts, initial_prompt=prompt))
                redecoded += 1
                if keep(group, new):
                    chosen = new
                    replaced += 1
            segments.extend(chosen)
            if should_stop and should_stop():
                raise JobCancelled("cancelled during transcription")
        elapsed = time.perf_counter() - started
        return first.model_copy(
            update={
                "segments": [s.model_copy(update={"index": i}) for i, s in enumerate(segments)],
                "options": {
                    **first.options,
                    "second_pass": {
                        "windows": len(groups),
                        "redecoded": redecoded,
                        "replaced": replaced,
                    },
                },
                "timings": {**first.timings, "second_pass_seconds": round(elapsed, 3)},
            }
        )

    def _decode_clip(self, clip: Any, offset: float, opts: DecodeOptions) -> list[Segment]:
        """Decode a stretch of 16 kHz samples that starts ``offset`` seconds into the file."""
        segments_iter, _info = self.model.transcribe(clip, **opts.transcribe_kwargs())
        decoded: list[Segment] = []
        for raw in segments_iter:
            segment = guard_segment(segment_from(len(decoded), raw, offset))
            if segment is not None:
                decoded.append(segment)
        return decoded


def windows(segments: list[Segment], seconds: float = WINDOW_SECONDS) -> list[list[Segment]]:
    """Consecutive segments grouped into stretches of at most ``seconds`` (a longer segment
    stands alone)."""
    groups: list[list[Segment]] = []
    for segment in segments:
        if groups and segment.end - groups[-1][0].start <= seconds:
            groups[-1].append(segment)
        else:
            groups.append([segment])
    return groups
