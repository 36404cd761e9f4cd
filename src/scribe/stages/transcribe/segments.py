"""Decoded segments as Scribe's types, and the hallucination guard every decoder applies."""

from __future__ import annotations

from typing import Any

from scribe.domain.transcript import Segment, Word

#: A word shorter than this (seconds), more than STRANDED_GAP_SECONDS from the words on both
#: sides of it in the same decoded segment (or last), was stranded by the word alignment: the
#: alignment ran out of the word's frames and put it at the end of the audio it was given
#: (measured on the guitar lessons: "with the pick." said at 21 s, "pick." placed at
#: 25.84–25.84 s, at the end of the chunk, 4.3 s into the guitar passage after it). A short
#: word right before the next one is an onset, not stranded ("The" at 58.0 s after a passage,
#: then "last chord" from 58.3 s).
STRANDED_SECONDS = 0.05
STRANDED_GAP_SECONDS = 1.0
#: How long a settled word lasts after the word before it (seconds), at most.
SETTLED_SECONDS = 0.3


def settle_stranded_words(segment: Segment) -> Segment:
    """Each stranded word (above) moved to right after the word before it, lasting at most
    :data:`SETTLED_SECONDS`; the segment's end follows its last word if that moved. Its text
    and every other word stay as they are."""
    words = segment.words
    moved = False
    for index in range(1, len(words)):
        word, before = words[index], words[index - 1]
        after = words[index + 1].start if index + 1 < len(words) else None
        stranded = (
            word.end - word.start < STRANDED_SECONDS
            and word.start - before.end > STRANDED_GAP_SECONDS
            and (after is None or after - word.end > STRANDED_GAP_SECONDS)
        )
        if stranded:
            end = min(before.end + SETTLED_SECONDS, word.start)
            words[index] = word.model_copy(update={"start": before.end, "end": round(end, 3)})
            moved = True
    if moved and segment.end > words[-1].end:
        segment.end = max(words[-1].end, segment.start)
    return segment


def guard_segment(segment: Segment) -> Segment | None:
    """Guards on one decoded segment: a word repeated with the same timestamps (a decoding
    loop) kept once; then stranded words settled (:func:`settle_stranded_words`); a segment
    left with no words and no text dropped."""
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
    return settle_stranded_words(segment)


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
