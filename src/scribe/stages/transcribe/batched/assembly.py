"""One file's way through batched decoding: its chunks handed out, results in, assembly.

Step 3 of :mod:`scribe.stages.transcribe.batched.decoder`: once every chunk of a file is decoded,
times are mapped back to the original audio, chunk-long segments are split at sentence ends and
pauses, the hallucination guard runs, and the :class:`~scribe.domain.transcript.Transcript` is
built.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scribe.domain.transcript import Segment, Transcript
from scribe.errors import JobCancelled
from scribe.stages.transcribe.batched.preparation import PreparedAudio
from scribe.stages.transcribe.options import SAMPLE_RATE, DecodeOptions
from scribe.stages.transcribe.segments import guard_segment, segment_from

# Splitting a chunk-long segment into subtitle-sized ones.
SENTENCE_ENDS = (".", "?", "!", "。", "？", "！")
ABBREVIATIONS = frozenset(
    {"mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "vs.", "etc.", "e.g.", "i.e.", "no."}
)
SPLIT_PAUSE_SECONDS = 1.0
SPLIT_MAX_SECONDS = 12.0


# Asked by the batch decoder whether a file's work is still wanted (False: go on).
FileStopCheck = Callable[["FileDecode"], bool]


@dataclass
class FileDecode:
    """One file's way through batched decoding: chunks handed out, results in, assembly."""

    prepared: PreparedAudio
    options: DecodeOptions
    owner: Any = None  # whatever the caller needs to find its job again
    # A lexicon bias for the decoder (torch engine), applied to this file's chunks.
    bias: Any = None
    results: list[list[dict[str, Any]] | None] = field(default_factory=list)
    last_speech_timestamp: float = 0.0
    started: float | None = None
    # The decoder skipped retries because the caller gave the file up (cancel, stop): some
    # chunks may hold a first decoding that needed a retry, so no transcript is built.
    abandoned: bool = False
    # Chunks in a batch being decoded, with the share of that batch done (see ``pacing``).
    in_flight: dict[int, float] = field(default_factory=dict)
    _next: int = 0
    _highest: float = 0.0

    def __post_init__(self) -> None:
        self.results = [None] * len(self.prepared.features)

    @property
    def key(self) -> Hashable:
        """Files with equal keys may share a batch (same options, language and decoder
        bias: a bias object is one lexicon at one weight, compared by identity)."""
        return (self.options, self.prepared.language, id(self.bias))

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
        """Share of the speech decoded (the file's own chunks; re-decoded tails not counted),
        chunks in a batch under way counted by the share of that batch done. It never goes
        back (a batch halved after running out of memory starts its steps again)."""
        pairs = [
            (chunk["duration"], 1.0 if result is not None else self.in_flight.get(index, 0.0))
            for index, (chunk, result) in enumerate(
                zip(self.prepared.chunks, self.results, strict=False)
            )
            if not chunk.get("depth")
        ]
        total = sum(duration for duration, _done in pairs)
        share = sum(d * done for d, done in pairs) / total if total else 1.0
        self._highest = max(self._highest, share)
        return self._highest

    def add_chunk(self, features: np.ndarray, meta: dict[str, float]) -> None:
        """Queue one more chunk (the re-decoded tail of a chunk cut short)."""
        self.prepared.features.append(features)
        self.prepared.chunks.append(meta)
        self.results.append(None)

    def transcript(
        self, *, model_name: str, device: str, compute_type: str, batch_size: int
    ) -> Transcript:
        """Map the decoded chunks back onto the audio and build the transcript."""
        if self.abandoned:
            raise JobCancelled("the file was given up during decoding")
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
            raw = list(restore_speech_timestamps(raw, self.prepared.speech, SAMPLE_RATE))
        segments: list[Segment] = []
        for item in raw:
            # loops dropped and stranded words settled in the whole decoded segment, before
            # it is cut at pauses
            whole = guard_segment(segment_from(0, item))
            if whole is None:
                continue
            for piece in split_segment(whole):
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
