"""Decoded segments as Scribe's types, and the hallucination guard every decoder applies."""

from __future__ import annotations

from typing import Any

from scribe.domain.transcript import Segment, Word


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


def segment_from(index: int, raw: Any, offset: float = 0.0) -> Segment:
    """A faster-whisper segment (or one shaped like it) as ours, ``offset`` seconds later."""
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
