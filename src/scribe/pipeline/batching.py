"""Batched decoding: the VAD chunks of one file, or of several files, through Whisper together.

faster-whisper's ``BatchedInferencePipeline`` cuts one file's speech into chunks of up to 30 s and
decodes them ``batch_size`` at a time. Scribe splits that into three steps so a worker can run
them in different threads and mix files in one batch:

1. :func:`prepare_audio` (CPU, no decoding): read the audio, find speech with Silero VAD, cut it
   into chunks of at most ``batch_chunk_seconds``, compute each chunk's log-mel features.
2. :meth:`BatchDecoder.decode`: up to ``batch_size`` chunks, from any files whose decode options
   match, in one encoder and one decoder pass. Unlike the bare pipeline it keeps the sequential
   decoder's temperature fallback (a chunk whose text loops or whose log-probability is too low
   is decoded again, hotter) and its silence rule, and aligns words per file. A batch that runs
   out of GPU memory is halved and retried.
3. :meth:`FileDecode.transcript`: once every chunk of a file is in, times are mapped back to the
   original audio, chunk-long segments are split at sentence ends and pauses, the hallucination
   guard runs, and the :class:`~scribe.domain.transcript.Transcript` is built.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from math import ceil
from pathlib import Path
from typing import Any

import numpy as np

from scribe.config import WhisperSettings
from scribe.domain.transcript import Segment, Transcript
from scribe.errors import CancelledError
from scribe.pipeline.transcribe import (
    DecodeOptions,
    ProgressCallback,
    StopCheck,
    _segment,
    guard_segment,
)

log = logging.getLogger(__name__)

SAMPLING_RATE = 16000
# faster-whisper's defaults: punctuation merged into the neighbouring word.
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"
# The batched pipeline's VAD: shorter silences split speech than in sequential mode (2 s), so a
# chunk boundary falls in a pause rather than inside a word.
VAD_MIN_SILENCE_MS = 160
# Splitting a chunk-long segment into subtitle-sized ones.
SENTENCE_ENDS = (".", "?", "!", "。", "？", "！")
ABBREVIATIONS = frozenset(
    {"mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "vs.", "etc.", "e.g.", "i.e.", "no."}
)
SPLIT_PAUSE_SECONDS = 1.0
SPLIT_MAX_SECONDS = 12.0
# Sequential decoding's best_of for sampled fallbacks.
BEST_OF = 5
# A chunk whose words end this many seconds before its speech does was cut short (without
# timestamps Whisper sometimes stops early in a long chunk): its tail is decoded again as a
# chunk of its own, as sequential decoding seeks on from its last timestamp.
TAIL_SECONDS = 2.0
MAX_CONTINUATIONS = 3
# A sampled retry must keep this share of the tokens of the chunk's first decoding (or of the
# typical decoding when all fail); a first decoding this long ran away in a loop.
KEEP_SHARE = 0.85
RUNAWAY_TOKENS = 400
# ...and, when the first decoding was confident, be at most this much less probable (mean log
# probability per token).
PROBABILITY_MARGIN = 0.15

OOM_MARKERS = (
    "out of memory",
    "cuda_error_out_of_memory",
    "cudaerrormemoryallocation",
    "cublas_status_alloc_failed",
    "bad_alloc",
)


def resolve_batch_size(whisper: WhisperSettings, device: str) -> int:
    """Chunks per model pass: the setting, or by device for `auto` (measured in
    docs/throughput.md); 1 means sequential decoding."""
    if whisper.batch_size == "auto":
        return 16 if device == "cuda" else 8
    return max(1, int(whisper.batch_size))


def resolve_replicas(whisper: WhisperSettings, device: str) -> tuple[int, int]:
    """Model replicas and CPU threads per replica: the settings, or for `auto` one replica on
    CUDA or in sequential mode, and two on CPU (sharing the cores when ``cpu_threads`` is 0)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    threads = whisper.cpu_threads
    if whisper.replicas != "auto":
        replicas = int(whisper.replicas)
    elif device == "cuda" or resolve_batch_size(whisper, device) <= 1:
        replicas = 1
    else:
        replicas = 2 if cores // (threads or 1) >= 2 else 1
    if device == "cpu" and threads == 0 and replicas > 1:
        threads = max(1, cores // replicas)
    return replicas, threads


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether an exception from CTranslate2 (or numpy) says the device ran out of memory."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MemoryError):
            return True
        text = str(seen).lower()
        if any(marker in text for marker in OOM_MARKERS):
            return True
        seen = seen.__cause__
    return False


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
    from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

    started = time.perf_counter()
    samples = (
        audio
        if isinstance(audio, np.ndarray)
        else decode_audio(str(audio), sampling_rate=SAMPLING_RATE)
    )
    duration = samples.shape[0] / SAMPLING_RATE
    if options.vad_filter:
        vad = VadOptions(
            max_speech_duration_s=chunk_seconds, min_silence_duration_ms=VAD_MIN_SILENCE_MS
        )
        speech = get_speech_timestamps(samples, vad)
    else:
        step = int(chunk_seconds * SAMPLING_RATE)
        speech = [
            {"start": start, "end": min(start + step, samples.shape[0])}
            for start in range(0, samples.shape[0], step)
        ]
    speech_seconds = sum(region["end"] - region["start"] for region in speech) / SAMPLING_RATE
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


@dataclass
class FileDecode:
    """One file's way through batched decoding: chunks handed out, results in, assembly."""

    prepared: PreparedAudio
    options: DecodeOptions
    owner: Any = None  # whatever the caller needs to find its job again
    results: list[list[dict[str, Any]] | None] = field(default_factory=list)
    last_speech_timestamp: float = 0.0
    started: float | None = None
    _next: int = 0

    def __post_init__(self) -> None:
        self.results = [None] * len(self.prepared.features)

    @property
    def key(self) -> Hashable:
        """Files with equal keys may share a batch (same options and language)."""
        return (self.options, self.prepared.language)

    @property
    def pending(self) -> int:
        """Chunks not yet handed to a decoder."""
        return len(self.results) - self._next

    def take(self, count: int) -> list[int]:
        """Hand out the next ``count`` chunks (in order)."""
        taken = list(range(self._next, min(len(self.results), self._next + count)))
        self._next += len(taken)
        if self.started is None:
            self.started = time.perf_counter()
        return taken

    @property
    def done(self) -> bool:
        """Every chunk is decoded."""
        return all(result is not None for result in self.results)

    @property
    def progress(self) -> float:
        """Share of the speech decoded (the file's own chunks; re-decoded tails not counted)."""
        pairs = [
            (chunk["duration"], result is not None)
            for chunk, result in zip(self.prepared.chunks, self.results, strict=False)
            if not chunk.get("depth")
        ]
        total = sum(duration for duration, _done in pairs)
        return sum(d for d, done in pairs if done) / total if total else 1.0

    def add_chunk(self, features: np.ndarray, meta: dict[str, float]) -> None:
        """Queue one more chunk (the re-decoded tail of a chunk cut short)."""
        self.prepared.features.append(features)
        self.prepared.chunks.append(meta)
        self.results.append(None)

    def transcript(
        self, *, model_name: str, device: str, compute_type: str, batch_size: int
    ) -> Transcript:
        """Map the decoded chunks back onto the audio and build the transcript."""
        from faster_whisper.transcribe import Segment as RawSegment
        from faster_whisper.transcribe import Word as RawWord
        from faster_whisper.transcribe import restore_speech_timestamps

        raw: list[Any] = []
        order = sorted(range(len(self.results)), key=lambda i: self.prepared.chunks[i]["offset"])
        for chunk_index in order:
            for item in self.results[chunk_index] or []:
                if not item["text"].strip() and not item.get("words"):
                    continue
                raw.append(
                    RawSegment(
                        id=len(raw) + 1,
                        seek=item["seek"],
                        start=round(item["start"], 3),
                        end=round(item["end"], 3),
                        text=item["text"],
                        tokens=item["tokens"],
                        avg_logprob=item["avg_logprob"],
                        compression_ratio=item["compression_ratio"],
                        no_speech_prob=item["no_speech_prob"],
                        words=[RawWord(**word) for word in item["words"]]
                        if self.options.word_timestamps
                        else None,
                        temperature=item["temperature"],
                    )
                )
        if self.prepared.speech:
            raw = list(restore_speech_timestamps(raw, self.prepared.speech, SAMPLING_RATE))
        segments: list[Segment] = []
        for item in raw:
            for piece in split_segment(_segment(0, item)):
                kept = guard_segment(piece)
                if kept is not None:
                    kept.index = len(segments)
                    segments.append(kept)
        elapsed = time.perf_counter() - self.started if self.started is not None else 0.0
        duration = self.prepared.duration
        flags = [] if any(s.words or s.text.strip() for s in segments) else ["no_speech"]
        return Transcript(
            flags=flags,
            speech_duration=round(self.prepared.speech_seconds, 3),
            language=self.prepared.language,
            language_probability=round(self.prepared.language_probability, 4),
            duration=round(duration, 3),
            model=model_name,
            options={
                **self.options.to_dict(),
                "device": device,
                "compute_type": compute_type,
                "batch_size": batch_size,
            },
            timings={
                "prepare_seconds": round(self.prepared.prepare_seconds, 3),
                "transcribe_seconds": round(elapsed, 3),
                "real_time_factor": round(elapsed / duration, 4) if duration else 0.0,
            },
            segments=segments,
        )


def split_segment(segment: Segment) -> list[Segment]:
    """A chunk-long segment (up to 30 s) as subtitle-sized ones: a new segment after a
    sentence end, at a pause of a second or more, or past 12 seconds. No word is dropped."""
    words = segment.words
    if len(words) < 2:
        return [segment]
    pieces: list[list[Any]] = [[]]
    for index, word in enumerate(words):
        pieces[-1].append(word)
        following = words[index + 1] if index + 1 < len(words) else None
        if following is None:
            break
        text = word.text.strip()
        sentence_end = text.endswith(SENTENCE_ENDS) and text.lower() not in ABBREVIATIONS
        pause = following.start - word.end >= SPLIT_PAUSE_SECONDS
        too_long = word.end - pieces[-1][0].start >= SPLIT_MAX_SECONDS
        if sentence_end or pause or too_long:
            pieces.append([])
    if len(pieces) == 1:
        return [segment]
    return [
        segment.model_copy(
            update={
                "start": piece[0].start,
                "end": piece[-1].end,
                "text": "".join(word.text for word in piece),
                "words": piece,
            }
        )
        for piece in pieces
    ]


class _Alignments:
    """Stands in for the model inside ``WhisperModel.add_word_timestamps`` so the words of one
    file's chunks are placed with alignments already computed for a whole mixed batch."""

    def __init__(self, alignments: list[Any], frames_per_second: int) -> None:
        self._alignments = alignments
        self.frames_per_second = frames_per_second

    def find_alignment(self, *_args: Any, **_kwargs: Any) -> list[Any]:
        return self._alignments


class BatchDecoder:
    """Decodes chunks of any files in shared batches with one loaded Whisper model.

    Thread-safe: several threads may call :meth:`decode` at once (with CTranslate2
    ``num_workers`` above 1 they run in parallel)."""

    def __init__(self, model: Any, *, batch_size: int) -> None:
        self.model = model
        self.batch_size = max(1, batch_size)
        self._tokenizers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def tokenizer(self, language: str) -> Any:
        """The tokenizer of a language (cached)."""
        from faster_whisper.tokenizer import Tokenizer

        with self._lock:
            if language not in self._tokenizers:
                self._tokenizers[language] = Tokenizer(
                    self.model.hf_tokenizer,
                    self.model.model.is_multilingual,
                    task="transcribe",
                    language=language,
                )
            return self._tokenizers[language]

    def decode(self, work: Sequence[tuple[FileDecode, int]]) -> None:
        """Decode ``(file, chunk)`` pairs sharing one key and store each result in its file.
        On out-of-memory the batch is halved (and ``batch_size`` with it) and retried."""
        if not work:
            return
        try:
            outputs = self._forward(work)
        except Exception as exc:
            if not is_out_of_memory(exc) or len(work) == 1:
                raise
            half = len(work) // 2
            with self._lock:
                self.batch_size = max(1, min(self.batch_size, half))
            log.warning(
                "out of memory decoding %d chunks; halving the batch to %d", len(work), half
            )
            self.decode(work[:half])
            self.decode(work[half:])
            return
        for (file, index), segments in zip(work, outputs, strict=True):
            self._continue_cut_chunk(file, index, segments)
            file.results[index] = segments

    def _continue_cut_chunk(
        self, file: FileDecode, index: int, segments: list[dict[str, Any]]
    ) -> None:
        """When a chunk's words stop ``TAIL_SECONDS`` or more before its speech does, queue
        the rest of the chunk to be decoded on its own (no word is lost to an early stop)."""
        from faster_whisper.audio import pad_or_trim

        meta = file.prepared.chunks[index]
        depth = int(meta.get("depth", 0))
        words = [word for item in segments for word in item.get("words") or []]
        if not file.options.word_timestamps or not words or depth >= MAX_CONTINUATIONS:
            return
        fps = self.model.frames_per_second
        frame = round((float(words[-1]["end"]) - meta["offset"]) * fps)
        if frame <= 0 or meta["duration"] - frame / fps < TAIL_SECONDS:
            return
        file.add_chunk(
            pad_or_trim(file.prepared.features[index][:, frame:]),
            {
                "offset": meta["offset"] + frame / fps,
                "duration": meta["duration"] - frame / fps,
                "depth": depth + 1,
            },
        )

    def _forward(self, work: Sequence[tuple[FileDecode, int]]) -> list[list[dict[str, Any]]]:
        """One batch: generate (with fallback), cut, and place words per file."""
        first = work[0][0]
        options = first.options
        tokenizer = self.tokenizer(first.prepared.language)
        features = np.stack([file.prepared.features[index] for file, index in work])
        encoder_output, chosen = self._generate(features, tokenizer, options)
        fps = self.model.frames_per_second
        segmented: list[list[dict[str, Any]]] = []
        sizes: list[int] = []
        for (file, index), result in zip(work, chosen, strict=True):
            meta = file.prepared.chunks[index]
            sizes.append(int(ceil(meta["duration"]) * fps))
            tokens = result["tokens"] if result is not None else []
            text = tokenizer.decode(tokens)
            segmented.append(
                [
                    {
                        "seek": int(meta["offset"] * fps),
                        "start": meta["offset"],
                        "end": meta["offset"] + meta["duration"],
                        "text": text,
                        "tokens": tokens,
                        "avg_logprob": result["avg_logprob"] if result else 0.0,
                        "no_speech_prob": result["no_speech_prob"] if result else 1.0,
                        "compression_ratio": result["compression_ratio"] if result else 0.0,
                        "temperature": result["temperature"] if result else 0.0,
                        "words": [],
                    }
                ]
            )
        if options.word_timestamps:
            self._place_words(work, segmented, tokenizer, encoder_output, sizes)
        return segmented

    def _generate(
        self, features: np.ndarray, tokenizer: Any, options: DecodeOptions
    ) -> tuple[Any, list[dict[str, Any] | None]]:
        """Encode once, decode every chunk at the first temperature, decode again (hotter,
        sampled) only the chunks the sequential decoder would retry; ``None`` for a chunk the
        silence rule drops."""
        from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

        model = self.model
        previous = (
            tokenizer.encode(" " + options.initial_prompt.strip()) if options.initial_prompt else []
        )
        prompt = model.get_prompt(
            tokenizer, previous_tokens=previous, without_timestamps=True, hotwords=options.hotwords
        )
        suppress = get_suppressed_tokens(tokenizer, [-1])
        encoder_output = model.encode(features)
        count = features.shape[0]
        candidates: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        pending = list(range(count))
        for step, temperature in enumerate(options.temperature):
            if not pending:
                break
            encoded = encoder_output if step == 0 else model.encode(features[pending])
            if temperature > 0:
                kwargs: dict[str, Any] = {
                    "beam_size": 1,
                    "num_hypotheses": BEST_OF,
                    "sampling_topk": 0,
                    "sampling_temperature": temperature,
                }
            else:
                kwargs = {"beam_size": options.beam_size, "patience": 1.0}
            results = model.model.generate(
                encoded,
                [list(prompt) for _ in pending],
                length_penalty=1.0,
                max_length=model.max_length,
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=suppress,
                **kwargs,
            )
            retry: list[int] = []
            for index, result in zip(pending, results, strict=True):
                tokens = result.sequences_ids[0]
                avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
                candidate = {
                    "tokens": tokens,
                    "avg_logprob": avg_logprob,
                    "no_speech_prob": result.no_speech_prob,
                    "compression_ratio": get_compression_ratio(tokenizer.decode(tokens).strip()),
                    "temperature": temperature,
                }
                candidates[index].append(candidate)
                if not _accepted(candidate, candidates[index][0], options):
                    retry.append(index)
            pending = retry
        return encoder_output, [_choose(found, options) for found in candidates]

    def _place_words(
        self,
        work: Sequence[tuple[FileDecode, int]],
        segmented: list[list[dict[str, Any]]],
        tokenizer: Any,
        encoder_output: Any,
        sizes: list[int],
    ) -> None:
        """Word timestamps: one alignment pass for the batch, then faster-whisper's word
        placement per file, in chunk order, with that file's own last speech time."""
        from faster_whisper.transcribe import WhisperModel

        text_tokens = [
            [token for item in items for token in item["tokens"] if token < tokenizer.eot]
            for items in segmented
        ]
        alignments = self.model.find_alignment(tokenizer, text_tokens, encoder_output, sizes)
        by_file: dict[int, list[int]] = {}
        for position, (file, _index) in enumerate(work):
            by_file.setdefault(id(file), []).append(position)
        for positions in by_file.values():
            file = work[positions[0]][0]
            last = WhisperModel.add_word_timestamps(
                _Alignments([alignments[p] for p in positions], self.model.frames_per_second),
                [segmented[p] for p in positions],
                tokenizer,
                encoder_output,
                [sizes[p] for p in positions],
                PREPEND_PUNCTUATIONS,
                APPEND_PUNCTUATIONS,
                file.last_speech_timestamp,
            )
            if last is not None:
                file.last_speech_timestamp = last


def _needs_fallback(candidate: dict[str, Any], options: DecodeOptions) -> bool:
    """The sequential decoder's rule: retry text that loops or is improbable, unless the
    window is silence."""
    needs = candidate["compression_ratio"] > options.compression_ratio_threshold
    if candidate["avg_logprob"] < options.log_prob_threshold:
        needs = True
    silent = (
        candidate["no_speech_prob"] > options.no_speech_threshold
        and candidate["avg_logprob"] < options.log_prob_threshold
    )
    return needs and not silent


def _long_enough(candidate: dict[str, Any], than: int) -> bool:
    """Whether a decoding keeps at least :data:`KEEP_SHARE` of ``than`` tokens (a sampled
    retry that drops a sentence of a chunk must not replace the chunk's text)."""
    return len(candidate["tokens"]) >= KEEP_SHARE * than


def _accepted(candidate: dict[str, Any], first: dict[str, Any], options: DecodeOptions) -> bool:
    """A decoding that needs no retry. A retry must also keep the words of the first
    decoding, unless that one ran away (a loop that filled the window); and when the first
    decoding was confident (it failed only because its text compresses like a loop, as
    speech said twice does) the retry must be nearly as probable, not a hot sample's guess."""
    if _needs_fallback(candidate, options):
        return False
    if candidate is first or len(first["tokens"]) >= RUNAWAY_TOKENS:
        return True
    if first["avg_logprob"] >= options.log_prob_threshold and (
        candidate["avg_logprob"] < first["avg_logprob"] - PROBABILITY_MARGIN
    ):
        return False
    return _long_enough(candidate, len(first["tokens"]))


def _choose(found: list[dict[str, Any]], options: DecodeOptions) -> dict[str, Any] | None:
    """The decoding kept for a chunk: the accepted one; when every temperature failed, among
    those of typical length that did not run away, the most probable of the confident ones
    (text said twice compresses like a loop), else of those that do not loop; ``None`` when
    it is silence.

    Sequential faster-whisper picks the most probable decoding that does not loop, whatever
    its length and confidence; on legitimately repetitive speech (a phrase said twice,
    counting) that is a random sample that dropped the repetition or invented words, so
    batched decoding checks length and confidence first."""
    best = found[-1]
    if not _accepted(best, found[0], options):
        typical = sorted(len(c["tokens"]) for c in found)[len(found) // 2]
        pool = [
            c for c in found if _long_enough(c, typical) and len(c["tokens"]) < RUNAWAY_TOKENS
        ] or found
        confident = [c for c in pool if c["avg_logprob"] >= options.log_prob_threshold]
        usable = [c for c in pool if c["compression_ratio"] <= options.compression_ratio_threshold]
        best = max(confident or usable or pool, key=lambda c: c["avg_logprob"])
    silent = best["no_speech_prob"] > options.no_speech_threshold and not (
        best["avg_logprob"] > options.log_prob_threshold
    )
    return None if silent else best


def transcribe_batched(
    transcriber: Any,
    audio: Path,
    *,
    options: DecodeOptions,
    progress: ProgressCallback | None = None,
    should_stop: StopCheck | None = None,
) -> Transcript:
    """One file through :class:`BatchDecoder` (``Transcriber.transcribe`` with a batch size
    above 1): progress and ``should_stop`` after every batch."""
    decoder: BatchDecoder = transcriber.batch_decoder
    prepared = prepare_audio(
        transcriber.model,
        audio,
        options=options,
        chunk_seconds=transcriber.settings.batch_chunk_seconds,
    )
    file = FileDecode(prepared, options)
    while file.pending:
        decoder.decode([(file, index) for index in file.take(decoder.batch_size)])
        if progress:
            progress(min(0.999, file.progress))
        if should_stop and should_stop():
            raise CancelledError("cancelled during transcription")
    return file.transcript(
        model_name=transcriber.model_name,
        device=transcriber.device,
        compute_type=transcriber.compute_type,
        batch_size=decoder.batch_size,
    )
