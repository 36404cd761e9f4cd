"""Batched decoding: the VAD chunks of one file, or of several files, through Whisper together.

faster-whisper's ``BatchedInferencePipeline`` cuts one file's speech into chunks of up to 30 s and
decodes them ``batch_size`` at a time. Scribe splits that into three steps so a worker can run
them in different threads and mix files in one batch:

1. :func:`~scribe.stages.transcribe.batched.preparation.prepare_audio` (CPU, no decoding):
   speech found by the VAD, cut into chunks, with each chunk's log-mel features.
2. :meth:`BatchDecoder.decode` (here): up to ``batch_size`` chunks, from any files whose decode
   options match, in one encoder and one decoder pass. Unlike the bare pipeline it keeps the
   sequential decoder's temperature fallback (:mod:`scribe.stages.transcribe.batched.fallback`) and
   its silence rule, and aligns words per file. A batch that runs out of GPU memory is halved and
   retried.
3. :meth:`~scribe.stages.transcribe.batched.assembly.FileDecode.transcript`: once every chunk
   of a file is in, the transcript on the original audio's timeline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from math import ceil
from pathlib import Path
from typing import Any

import numpy as np

from scribe.domain.transcript import Transcript
from scribe.errors import JobCancelled
from scribe.stages.transcribe.batched.assembly import FileDecode, FileStopCheck
from scribe.stages.transcribe.batched.fallback import accepted, choose
from scribe.stages.transcribe.batched.pacing import BatchClock, BatchPace
from scribe.stages.transcribe.batched.preparation import prepare_audio
from scribe.stages.transcribe.biasing.rescoring import Hypothesis, TermRescorer
from scribe.stages.transcribe.model import is_out_of_memory
from scribe.stages.transcribe.options import DecodeOptions, ProgressCallback, StopCheck

log = logging.getLogger(__name__)

# faster-whisper's defaults: punctuation merged into the neighbouring word.
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"
# Sequential decoding's best_of for sampled fallbacks.
BEST_OF = 5
# A chunk whose words end this many seconds before its speech does was cut short (without
# timestamps Whisper sometimes stops early in a long chunk): its tail is decoded again as a
# chunk of its own, as sequential decoding seeks on from its last timestamp.
TAIL_SECONDS = 2.0
MAX_CONTINUATIONS = 3

# Called while a batch decodes, after its files' ``in_flight`` shares moved (progress).
BatchStep = Callable[[], None]


class _Alignments:
    """Stands in for the model inside ``WhisperModel.add_word_timestamps`` so the words of one
    file's chunks are placed with alignments already computed for a whole mixed batch."""

    def __init__(self, alignments: list[Any], frames_per_second: int) -> None:
        self._alignments = alignments
        self.frames_per_second = frames_per_second

    def find_alignment(self, *_args: Any, **_kwargs: Any) -> list[Any]:
        return self._alignments


@contextmanager
def biased(holder: Any, bias: Any) -> Iterator[None]:
    """Apply a file's decoder bias to this thread's calls of ``holder``: the torch engine's
    backend (its shallow fusion) or a :class:`BatchDecoder` on CTranslate2 (its n-best
    rescoring). None leaves ``holder`` as it is, so an engine-level bias still holds."""
    if bias is None:
        yield
        return
    previous = holder.bias
    holder.bias = bias
    try:
        yield
    finally:
        holder.bias = previous


class BatchDecoder:
    """Decodes chunks of any files in shared batches with one loaded Whisper model.

    Thread-safe: several threads may call :meth:`decode` at once (with CTranslate2
    ``num_workers`` above 1 they run in parallel)."""

    def __init__(self, model: Any, *, batch_size: int, progress_tick: float = 1.0) -> None:
        self.model = model
        self.batch_size = max(1, batch_size)
        # How far a batch has got, learnt from the batches run; estimates every progress_tick s.
        self.pace = BatchPace()
        self.progress_tick = progress_tick
        self._tokenizers: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def bias(self) -> TermRescorer | None:
        """This thread's n-best rescorer (CTranslate2 models; the torch engine biases inside
        its own backend instead)."""
        rescorer: TermRescorer | None = getattr(self._local, "bias", None)
        return rescorer

    @bias.setter
    def bias(self, value: TermRescorer | None) -> None:
        self._local.bias = value

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

    def decode(
        self,
        work: Sequence[tuple[FileDecode, int]],
        *,
        stop: FileStopCheck | None = None,
        step: BatchStep | None = None,
    ) -> None:
        """Decode ``(file, chunk)`` pairs sharing one key and store each result in its file.
        On out-of-memory the batch is halved (and ``batch_size`` with it) and retried.

        ``stop`` is asked before each fallback round whether a file's work is still wanted (a
        cancel, a worker stopping): a file it answers true for gets no more retries and is
        marked :attr:`~FileDecode.abandoned`, so its transcript cannot be built.

        ``step`` is called as the batch goes on (after each of its steps, and about every
        ``progress_tick`` seconds inside one once a batch has been timed), with each file's
        :attr:`~FileDecode.in_flight` shares updated, so progress moves inside a batch."""
        if not work:
            return
        clock = self.pace.clock(
            len(work), _marking(work, step) if step else None, tick_seconds=self.progress_tick
        )
        try:
            holder = self.model.model if hasattr(self.model.model, "bias") else self
            with biased(holder, work[0][0].bias):
                outputs = self._forward(work, stop, clock)
        except Exception as exc:
            if not is_out_of_memory(exc) or len(work) == 1:
                raise
            half = len(work) // 2
            with self._lock:
                self.batch_size = max(1, min(self.batch_size, half))
            log.warning(
                "out of memory decoding %d chunks; halving the batch to %d", len(work), half
            )
            self.decode(work[:half], stop=stop, step=step)
            self.decode(work[half:], stop=stop, step=step)
            return
        clock.finish()
        for (file, index), segments in zip(work, outputs, strict=True):
            self._continue_cut_chunk(file, index, segments)
            file.in_flight.pop(index, None)
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

    def _forward(
        self,
        work: Sequence[tuple[FileDecode, int]],
        stop: FileStopCheck | None,
        clock: BatchClock,
    ) -> list[list[dict[str, Any]]]:
        """One batch: generate (with fallback), cut, and place words per file."""
        first = work[0][0]
        options = first.options
        tokenizer = self.tokenizer(first.prepared.language)
        features = np.stack([file.prepared.features[index] for file, index in work])
        files = [file for file, _index in work]
        encoder_output, chosen = self._generate(features, tokenizer, options, files, stop, clock)
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
        with clock.step("align"):
            if options.word_timestamps:
                self._place_words(work, segmented, tokenizer, encoder_output, sizes)
        return segmented

    def _generate(
        self,
        features: np.ndarray,
        tokenizer: Any,
        options: DecodeOptions,
        files: Sequence[FileDecode],
        stop: FileStopCheck | None,
        clock: BatchClock,
    ) -> tuple[Any, list[dict[str, Any] | None]]:
        """Encode once, decode every chunk at the first temperature, decode again (hotter,
        sampled) only the chunks the sequential decoder would retry, and of those only the
        chunks of files ``stop`` does not give up; ``None`` for a chunk the silence rule
        drops."""
        from faster_whisper.transcribe import get_suppressed_tokens

        model = self.model
        previous = (
            tokenizer.encode(" " + options.initial_prompt.strip()) if options.initial_prompt else []
        )
        prompt = model.get_prompt(
            tokenizer, previous_tokens=previous, without_timestamps=True, hotwords=options.hotwords
        )
        suppress = get_suppressed_tokens(tokenizer, [-1])
        with clock.step("encode"):
            encoder_output = model.encode(features)
        with clock.step("generate"):
            candidates = self._decode_rounds(
                encoder_output, features, prompt, suppress, tokenizer, options, files, stop
            )
        return encoder_output, [choose(found, options) for found in candidates]

    def _decode_rounds(
        self,
        encoder_output: Any,
        features: np.ndarray,
        prompt: list[int],
        suppress: Any,
        tokenizer: Any,
        options: DecodeOptions,
        files: Sequence[FileDecode],
        stop: FileStopCheck | None,
    ) -> list[list[dict[str, Any]]]:
        """Every chunk at the first temperature, then hotter rounds for the chunks the
        sequential decoder would retry: each chunk's candidates, in round order."""
        from faster_whisper.transcribe import get_compression_ratio

        model = self.model
        rescorer = self.bias
        count = features.shape[0]
        candidates: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        pending = list(range(count))
        for step, temperature in enumerate(options.temperature):
            if step and stop is not None:  # each file with chunks to retry, asked once
                waiting = {id(files[i]): files[i] for i in pending}
                dropped = {key for key, file in waiting.items() if _abandon(file, stop)}
                pending = [i for i in pending if id(files[i]) not in dropped]
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
                if rescorer is not None and options.beam_size > 1:
                    kwargs["num_hypotheses"] = options.beam_size
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
                best = _rescored(result, rescorer) if temperature == 0 else 0
                tokens = result.sequences_ids[best]
                avg_logprob = result.scores[best] * len(tokens) / (len(tokens) + 1)
                candidate = {
                    "tokens": tokens,
                    "avg_logprob": avg_logprob,
                    "no_speech_prob": result.no_speech_prob,
                    "compression_ratio": get_compression_ratio(tokenizer.decode(tokens).strip()),
                    "temperature": temperature,
                }
                candidates[index].append(candidate)
                if not accepted(candidate, candidates[index][0], options):
                    retry.append(index)
            pending = retry
        return candidates

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


def _rescored(result: Any, rescorer: TermRescorer | None) -> int:
    """The hypothesis a CTranslate2 result keeps: the beam's best, or with a rescorer the
    best after its lexicon bonus."""
    if rescorer is None:
        return 0
    return rescorer.best(
        [
            Hypothesis(tokens=list(tokens), score=float(score))
            for tokens, score in zip(result.sequences_ids, result.scores, strict=True)
        ]
    )


def _marking(work: Sequence[tuple[FileDecode, int]], step: BatchStep) -> Callable[[float], None]:
    """A batch clock's report: each chunk's share of the batch done, then ``step``."""

    def report(share: float) -> None:
        for file, index in work:
            file.in_flight[index] = share
        step()

    return report


def _abandon(file: FileDecode, stop: FileStopCheck) -> bool:
    """Whether ``stop`` gives the file up (once it has, it is not asked again)."""
    if not file.abandoned and stop(file):
        file.abandoned = True
    return file.abandoned


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
    stop = (lambda _file: should_stop()) if should_stop else None
    step = (lambda: progress(min(0.999, file.progress))) if progress else None
    while file.pending:
        work = [(file, index) for index in file.take(decoder.batch_size)]
        decoder.decode(work, stop=stop, step=step)
        if progress:
            progress(min(0.999, file.progress))
        if file.abandoned or (should_stop and should_stop()):
            raise JobCancelled("cancelled during transcription")
    return file.transcript(
        model_name=transcriber.model_name,
        device=transcriber.device,
        compute_type=transcriber.compute_type,
        batch_size=decoder.batch_size,
    )
